using Microsoft.AspNetCore.Routing;
using Npgsql;
using Supacs.Storage.Data;
using Supacs.Storage.Http;

namespace Supacs.Storage.Endpoints.Objects;

/// <summary>
/// POST /object/copy {bucketId, sourceKey, destinationKey, destinationBucket?, copyMetadata?, metadata?}
/// (+ x-upsert, x-metadata): source read as the caller, destination write probed as the caller, the
/// bytes copied into a new version and the row written as service_role.
/// </summary>
internal static class CopyObject
{
    public static void Map(IEndpointRouteBuilder g) => g.Map("POST", "/object/copy", async ctx =>
    {
        var req = await StorageRequest.CreateAsync(ctx, AuthMode.Required);
        var body = await Json.ReadBodyAsync(ctx.Request);
        var bucket = Json.String(body, "bucketId") ?? throw StorageError.MissingParameter("bucketId");
        var source = Names.Key(Json.String(body, "sourceKey") ?? throw StorageError.MissingParameter("sourceKey"), req.State.Options.UnicodeKeys);
        var dest = Names.Key(Json.String(body, "destinationKey") ?? throw StorageError.MissingParameter("destinationKey"), req.State.Options.UnicodeKeys);
        var destBucket = Json.String(body, "destinationBucket") ?? bucket;
        var copyMetadata = Json.Bool(body, "copyMetadata") ?? true;
        var upsert = string.Equals(ctx.Request.Headers["x-upsert"].ToString(), "true", StringComparison.OrdinalIgnoreCase);
        var headerMetadata = ctx.Request.Headers["x-metadata"].ToString();
        var sub = req.Identity.Subject;
        Guid? owner = Guid.TryParse(sub, out var o) ? o : null;

        StoredObject src;
        Bucket target;
        await using (var scope = await req.BeginAsync("storage.object.copy"))
        {
            _ = await Bucket.RequireAsServiceAsync(scope, bucket);
            target = destBucket == bucket ? await Bucket.RequireAsServiceAsync(scope, bucket) : await Bucket.RequireAsServiceAsync(scope, destBucket);
            src = await StoredObject.FindAsync(scope, bucket, source) ?? throw StorageError.ObjectNotFound();
        }
        var m = src.Metadata;
        if (body.TryGetProperty("metadata", out var over) && over.ValueKind == System.Text.Json.JsonValueKind.Object)
            m = m with { ContentType = Json.String(over, "mimetype") ?? m.ContentType, CacheControl = Json.String(over, "cacheControl") ?? m.CacheControl };
        if (!Names.MimeAllowed(m.ContentType, target.AllowedMimeTypes)) throw StorageError.MimeNotSupported(m.ContentType);
        var limit = target.FileSizeLimit is { } l ? Math.Min(l, req.State.Options.FileSizeLimit) : req.State.Options.FileSizeLimit;
        if (m.Size > limit) throw StorageError.TooLarge();
        var userMetadata = headerMetadata.Length > 0 ? UploadBody.DecodeMetadataHeader(headerMetadata) : copyMetadata ? src.UserMetadataJson : null;
        var version = Guid.NewGuid().ToString();
        var metadata = m with { LastModified = DateTime.UtcNow };
        var sql = "INSERT INTO storage.objects (bucket_id, name, owner, owner_id, metadata, user_metadata, version) VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7)" +
            (upsert ? " ON CONFLICT (bucket_id, name) DO UPDATE SET owner = excluded.owner, owner_id = excluded.owner_id, metadata = excluded.metadata, " +
                      "user_metadata = excluded.user_metadata, version = excluded.version" : "");

        await using (var probe = await req.BeginAsync("storage.object.copy"))
        {
            try
            {
                await probe.ProbeAsync(sql, ObjectWriter.Params(destBucket, dest, owner, sub, metadata.ToJson(), userMetadata, version));
            }
            catch (PostgresException e) when (e.SqlState == "23505")
            {
                throw StorageError.Duplicate();
            }
        }

        var from = req.State.Blobs.PathOf(bucket, source, src.Version ?? "");
        if (src.Version is null || !File.Exists(from)) throw StorageError.ObjectNotFound();
        await req.State.Blobs.CopyAsync(from, destBucket, dest, version, req.Aborted);
        Guid id;
        string? replaced = null;
        try
        {
            await using var scope = await req.BeginAsync("storage.object.copy");
            await scope.AsServiceAsync();
            await scope.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtext($1 || '/' || $2))", destBucket, dest);
            if (upsert) replaced = (await StoredObject.FindAsync(scope, destBucket, dest, forUpdate: true))?.Version;
            await using var cmd = await scope.CommandAsync(sql + " RETURNING id", ObjectWriter.Params(destBucket, dest, owner, sub, metadata.ToJson(), userMetadata, version));
            try
            {
                id = (Guid)(await cmd.ExecuteScalarAsync(req.Aborted))!;
            }
            catch (PostgresException e) when (e.SqlState == "23505")
            {
                throw StorageError.Duplicate();
            }
            await scope.CommitAsync();
        }
        catch
        {
            req.State.Blobs.Delete(destBucket, dest, version);
            throw;
        }
        if (replaced is not null) req.State.Blobs.Delete(destBucket, dest, replaced);
        await Json.WriteAsync(ctx.Response, w =>
        {
            w.WriteStartObject();
            w.WriteString("Id", id);
            w.WriteString("Key", destBucket + "/" + dest);
            w.WriteString("name", dest);
            w.WriteString("bucket_id", destBucket);
            w.WriteString("version", version);
            Json.WriteRaw(w, "metadata", metadata.ToJson());
            w.WriteEndObject();
        });
    });
}
