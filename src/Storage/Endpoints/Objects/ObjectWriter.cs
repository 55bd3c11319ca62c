using Npgsql;
using NpgsqlTypes;
using Supacs.Storage.Blobs;
using Supacs.Storage.Data;
using Supacs.Storage.Http;

namespace Supacs.Storage.Endpoints.Objects;

/// <summary>
/// The upload flow shared by upload, update, signed uploads and resumable (TUS) uploads, as upstream runs it:
/// bucket settings read as service_role; the caller's right to write probed as the caller in a rolled-back
/// savepoint; the body streamed to a temp file (size limit enforced while streaming) and renamed into place;
/// then the row upserted as service_role under an advisory lock, and the replaced version's blob removed.
/// </summary>
internal static class ObjectWriter
{
    private const string InsertSql =
        "INSERT INTO storage.objects (bucket_id, name, owner, owner_id, metadata, user_metadata, version) " +
        "VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7)";

    private const string UpsertSuffix =
        " ON CONFLICT (bucket_id, name) DO UPDATE SET owner = excluded.owner, owner_id = excluded.owner_id, " +
        "metadata = excluded.metadata, user_metadata = excluded.user_metadata, version = excluded.version, last_accessed_at = now()";

    /// <summary>Writes the object and returns its row id.</summary>
    /// <param name="probeAsCaller">False for signed-upload tokens, which were authorised when the token was issued.</param>
    public static async Task<Guid> UploadAsync(StorageRequest req, string bucketId, string key, bool upsert, UploadBody body,
        string? ownerSub, bool probeAsCaller, string operation)
    {
        var limit = await CheckAsync(req, bucketId, key, upsert, body.ContentType, body.CacheControl, body.Length, body.UserMetadataJson,
            ownerSub, probeAsCaller, operation);
        var version = Guid.NewGuid().ToString();
        var blob = new BlobKey(bucketId, key, version);
        var written = await req.State.Blobs.PutAsync(blob, body.Content, limit, body.ContentType, body.CacheControl, req.Aborted);
        try
        {
            await body.FinishAsync(req.Aborted);
        }
        catch
        {
            await req.State.Blobs.DeleteAsync([blob], CancellationToken.None);
            throw;
        }
        var metadata = new ObjectMetadata(written.Size, body.ContentType, body.CacheControl, written.ETag, DateTime.UtcNow);
        return await CommitRowAsync(req, bucketId, key, upsert, ownerSub, metadata, body.UserMetadataJson, version, operation);
    }

    /// <summary>
    /// Validates key, bucket, MIME type and declared size, and probes the caller's INSERT (or upsert) rights
    /// in a rolled-back savepoint. Returns the size limit that applies to the object.
    /// </summary>
    public static async Task<long> CheckAsync(StorageRequest req, string bucketId, string key, bool upsert, string contentType,
        string cacheControl, long? length, string? userMetadata, string? ownerSub, bool probeAsCaller, string operation)
    {
        Names.Key(key, req.State.Options.UnicodeKeys);
        await using var scope = await req.BeginAsync(operation);
        var bucket = await Bucket.RequireAsServiceAsync(scope, bucketId);
        var limit = bucket.FileSizeLimit is { } bl ? Math.Min(bl, req.State.Options.FileSizeLimit) : req.State.Options.FileSizeLimit;
        if (!key.EndsWith(".emptyFolderPlaceholder", StringComparison.Ordinal) && !Names.MimeAllowed(contentType, bucket.AllowedMimeTypes))
            throw StorageError.MimeNotSupported(contentType);
        if (length > limit) throw StorageError.TooLarge();
        var probe = new ObjectMetadata(length ?? 0, contentType, cacheControl, "", DateTime.UtcNow).ToJson();
        if (!probeAsCaller) await scope.AsServiceAsync();
        try
        {
            await scope.ProbeAsync(InsertSql + (upsert ? UpsertSuffix : ""), Params(bucketId, key, Owner(ownerSub), ownerSub, probe, userMetadata, null));
        }
        catch (PostgresException e) when (e.SqlState == "23505")
        {
            throw StorageError.Duplicate();
        }
        return limit;
    }

    /// <summary>
    /// Records a blob already placed at <paramref name="version"/> as the object, as service_role; on failure the
    /// blob is removed. The version it replaces (upsert) is deleted after commit.
    /// </summary>
    public static async Task<Guid> CommitRowAsync(StorageRequest req, string bucketId, string key, bool upsert, string? ownerSub,
        ObjectMetadata metadata, string? userMetadata, string version, string operation)
    {
        Guid id;
        string? replaced = null;
        try
        {
            await using var scope = await req.BeginAsync(operation);
            // One round trip: service_role, the per-key lock, the version being replaced (upsert) and the insert.
            var statements = new List<(string, object?[])>
            {
                ("SELECT set_config('role', 'service_role', true)", []),
                ("SELECT pg_advisory_xact_lock(hashtext($1 || '/' || $2))", [bucketId, key]),
            };
            if (upsert) statements.Add(("SELECT version FROM storage.objects WHERE bucket_id = $1 AND name = $2 FOR UPDATE", [bucketId, key]));
            statements.Add((InsertSql + (upsert ? UpsertSuffix : "") + " RETURNING id",
                Params(bucketId, key, Owner(ownerSub), ownerSub, metadata.ToJson(), userMetadata, version)));
            try
            {
                await using var r = await scope.MultiAsync(statements, "service_role");
                await r.NextResultAsync(req.Aborted);
                if (upsert)
                {
                    await r.NextResultAsync(req.Aborted);
                    if (await r.ReadAsync(req.Aborted) && !r.IsDBNull(0)) replaced = r.GetString(0);
                }
                await r.NextResultAsync(req.Aborted);
                await r.ReadAsync(req.Aborted);
                id = r.GetGuid(0);
            }
            catch (PostgresException e) when (e.SqlState == "23505")
            {
                throw StorageError.Duplicate();
            }
            await scope.CommitAsync();
        }
        catch
        {
            await req.State.Blobs.DeleteAsync([new BlobKey(bucketId, key, version)], CancellationToken.None);
            throw;
        }
        if (replaced is not null && replaced != version) await req.State.Blobs.DeleteAsync([new BlobKey(bucketId, key, replaced)], CancellationToken.None);
        return id;
    }

    private static Guid? Owner(string? sub) => Guid.TryParse(sub, out var o) ? o : null;

    internal static object?[] Params(string bucket, string key, Guid? owner, string? ownerId, string metadata, string? userMetadata, string? version) =>
    [
        bucket, key,
        new NpgsqlParameter { Value = (object?)owner ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid },
        new NpgsqlParameter { Value = (object?)ownerId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
        metadata,
        new NpgsqlParameter { Value = (object?)userMetadata ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
        new NpgsqlParameter { Value = (object?)version ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
    ];
}
