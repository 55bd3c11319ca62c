using Microsoft.AspNetCore.Routing;
using Npgsql;
using Supacs.Storage.Data;
using Supacs.Storage.Http;

namespace Supacs.Storage.Endpoints.Objects;

/// <summary>
/// POST /object/move {bucketId, sourceKey, destinationKey, destinationBucket?}: the row is renamed as the
/// caller (its SELECT and UPDATE policies decide) and the blob renamed with it.
/// </summary>
internal static class MoveObject
{
    public static void Map(IEndpointRouteBuilder g) => g.Map("POST", "/object/move", async ctx =>
    {
        var req = await StorageRequest.CreateAsync(ctx, AuthMode.Required);
        var body = await Json.ReadBodyAsync(ctx.Request);
        var bucket = Json.String(body, "bucketId") ?? throw StorageError.MissingParameter("bucketId");
        var source = Names.Key(Json.String(body, "sourceKey") ?? throw StorageError.MissingParameter("sourceKey"), req.State.Options.UnicodeKeys);
        var dest = Names.Key(Json.String(body, "destinationKey") ?? throw StorageError.MissingParameter("destinationKey"), req.State.Options.UnicodeKeys);
        var destBucket = Json.String(body, "destinationBucket") ?? bucket;

        await using var scope = await req.BeginAsync("storage.object.move");
        _ = await Bucket.RequireAsServiceAsync(scope, bucket);
        if (destBucket != bucket) _ = await Bucket.RequireAsServiceAsync(scope, destBucket);
        var obj = await StoredObject.FindAsync(scope, bucket, source) ?? throw StorageError.ObjectNotFound();
        if (bucket == destBucket && source == dest)
        {
            await WriteAsync(ctx, obj.Id, destBucket, dest);
            return;
        }
        int updated;
        try
        {
            updated = await scope.ExecuteAsync(
                "UPDATE storage.objects SET bucket_id = $3, name = $4, last_accessed_at = now() WHERE bucket_id = $1 AND name = $2",
                bucket, source, destBucket, dest);
        }
        catch (PostgresException e) when (e.SqlState == "23505")
        {
            throw StorageError.Duplicate();
        }
        if (updated == 0) throw StorageError.AccessDenied();
        var from = req.State.Blobs.PathOf(bucket, source, obj.Version ?? "");
        var moved = obj.Version is not null && File.Exists(from);
        if (moved) req.State.Blobs.Move(from, destBucket, dest, obj.Version!);
        try
        {
            await scope.CommitAsync();
        }
        catch
        {
            if (moved) req.State.Blobs.Move(req.State.Blobs.PathOf(destBucket, dest, obj.Version!), bucket, source, obj.Version!);
            throw;
        }
        if (moved) req.State.Blobs.Prune(bucket, source);
        await WriteAsync(ctx, obj.Id, destBucket, dest);
    });

    private static Task WriteAsync(Microsoft.AspNetCore.Http.HttpContext ctx, Guid id, string bucket, string key) =>
        Json.WriteAsync(ctx.Response, w =>
        {
            w.WriteStartObject();
            w.WriteString("message", "Successfully moved");
            w.WriteString("Id", id);
            w.WriteString("Key", bucket + "/" + key);
            w.WriteEndObject();
        });
}
