using System.Globalization;
using System.Text.Json;
using Npgsql;
using Supacs.Storage.Http;

namespace Supacs.Storage.Data;

/// <summary>A row of storage.buckets.</summary>
internal sealed record Bucket(string Id, string Name, string? Owner, bool Public, long? FileSizeLimit, string[]? AllowedMimeTypes,
    string Type, DateTime? CreatedAt, DateTime? UpdatedAt)
{
    public const string Columns = "id, name, coalesce(owner::text, owner_id), coalesce(public, false), file_size_limit, allowed_mime_types, type::text, created_at, updated_at";

    public static Bucket Read(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetBoolean(3),
        r.IsDBNull(4) ? null : r.GetInt64(4), r.IsDBNull(5) ? null : r.GetFieldValue<string[]>(5),
        r.IsDBNull(6) ? "STANDARD" : r.GetString(6), r.IsDBNull(7) ? null : r.GetDateTime(7), r.IsDBNull(8) ? null : r.GetDateTime(8));

    /// <summary>Reads the bucket with the scope's current role; null when missing or hidden by RLS.</summary>
    public static async Task<Bucket?> FindAsync(StorageScope scope, string id)
    {
        await using var r = await scope.ReaderAsync($"SELECT {Columns} FROM storage.buckets WHERE id = $1", id).ConfigureAwait(false);
        return await r.ReadAsync(scope.Aborted).ConfigureAwait(false) ? Read(r) : null;
    }

    /// <summary>Looks the bucket up as service_role (how upstream reads bucket settings) and returns to the caller's role.</summary>
    public static async Task<Bucket> RequireAsServiceAsync(StorageScope scope, string id)
    {
        await scope.AsServiceAsync().ConfigureAwait(false);
        var bucket = await FindAsync(scope, id).ConfigureAwait(false);
        await scope.AsUserAsync().ConfigureAwait(false);
        return bucket ?? throw StorageError.BucketNotFound();
    }

    public void Write(Utf8JsonWriter w, bool includeType)
    {
        w.WriteStartObject();
        w.WriteString("id", Id);
        w.WriteString("name", Name);
        w.WriteString("owner", Owner ?? "");
        w.WriteBoolean("public", Public);
        if (includeType) w.WriteString("type", Type);
        if (FileSizeLimit is { } l) w.WriteNumber("file_size_limit", l);
        else w.WriteNull("file_size_limit");
        if (AllowedMimeTypes is { } m)
        {
            w.WriteStartArray("allowed_mime_types");
            foreach (var t in m) w.WriteStringValue(t);
            w.WriteEndArray();
        }
        else w.WriteNull("allowed_mime_types");
        Json.WriteTime(w, "created_at", CreatedAt);
        Json.WriteTime(w, "updated_at", UpdatedAt);
        w.WriteEndObject();
    }
}

/// <summary>A row of storage.objects with the fields of its metadata the API serves.</summary>
internal sealed record StoredObject(Guid Id, string BucketId, string Name, string? Owner, string? Version, string? MetadataJson,
    string? UserMetadataJson, DateTime? CreatedAt, DateTime? UpdatedAt, DateTime? LastAccessedAt)
{
    public const string Columns = "id, bucket_id, name, owner_id, version, metadata::text, user_metadata::text, created_at, updated_at, last_accessed_at";

    public static StoredObject Read(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4),
        r.IsDBNull(5) ? null : r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6),
        r.IsDBNull(7) ? null : r.GetDateTime(7), r.IsDBNull(8) ? null : r.GetDateTime(8), r.IsDBNull(9) ? null : r.GetDateTime(9));

    /// <summary>Reads the object with the scope's current role; null when missing or hidden by RLS.</summary>
    public static async Task<StoredObject?> FindAsync(StorageScope scope, string bucket, string name, bool forUpdate = false)
    {
        await using var r = await scope.ReaderAsync(
            $"SELECT {Columns} FROM storage.objects WHERE bucket_id = $1 AND name = $2" + (forUpdate ? " FOR UPDATE" : ""), bucket, name).ConfigureAwait(false);
        return await r.ReadAsync(scope.Aborted).ConfigureAwait(false) ? Read(r) : null;
    }

    public ObjectMetadata Metadata => _metadata ??= ObjectMetadata.Parse(MetadataJson, UpdatedAt);

    /// <summary>Where this version's bytes are (callers check <see cref="Version"/> is set).</summary>
    public Blobs.BlobKey Blob => new(BucketId, Name, Version ?? "");
    private ObjectMetadata? _metadata;
}

/// <summary>The fields upstream keeps in objects.metadata.</summary>
internal sealed record ObjectMetadata(long Size, string ContentType, string CacheControl, string ETag, DateTime LastModified)
{
    public static ObjectMetadata Parse(string? json, DateTime? fallbackTime)
    {
        long size = 0;
        string ct = "application/octet-stream", cc = "no-cache", etag = "";
        var last = fallbackTime ?? DateTime.UnixEpoch;
        if (json is not null)
        {
            using var doc = JsonDocument.Parse(json);
            var m = doc.RootElement;
            if (m.ValueKind == JsonValueKind.Object)
            {
                if (m.TryGetProperty("size", out var s) && s.TryGetInt64(out var sv)) size = sv;
                if (Json.String(m, "mimetype") is { } mt) ct = mt;
                if (Json.String(m, "cacheControl") is { } c) cc = c;
                if (Json.String(m, "eTag") is { } e) etag = e;
                if (Json.String(m, "lastModified") is { } lm && DateTime.TryParse(lm, CultureInfo.InvariantCulture,
                        DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var lmv)) last = lmv;
            }
        }
        return new ObjectMetadata(size, ct, cc, etag, last);
    }

    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("eTag", ETag);
            w.WriteNumber("size", Size);
            w.WriteString("mimetype", ContentType);
            w.WriteString("cacheControl", CacheControl);
            w.WriteString("lastModified", Json.Time(LastModified));
            w.WriteNumber("contentLength", Size);
            w.WriteNumber("httpStatusCode", 200);
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
