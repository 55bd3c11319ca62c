using Microsoft.AspNetCore.Routing;
using Npgsql;
using Supacs.Storage.Blobs;
using Supacs.Storage.Data;
using Supacs.Storage.Http;

namespace Supacs.Storage.Endpoints.Objects;

/// <summary>
/// POST /object/move {bucketId, sourceKey, destinationKey, destinationBucket?}: the row is renamed as the
/// caller (its SELECT and UPDATE policies decide) and the blob moved with it before the commit (moved back
/// if the commit fails).
/// </summary>
internal static class MoveObject
{
    public static void Map(IEndpointRouteBuilder g) => g.Map("POST", "/object/move", async ctx =>
    {
        var t = await ObjectTransfer.ReadAsync(ctx);
        var req = t.Req;
        await using var scope = await req.BeginAsync("storage.object.move");
        _ = await Bucket.RequireAsServiceAsync(scope, t.Bucket);
        if (t.DestBucket != t.Bucket) _ = await Bucket.RequireAsServiceAsync(scope, t.DestBucket);
        var obj = await StoredObject.FindAsync(scope, t.Bucket, t.Source) ?? throw StorageError.ObjectNotFound();
        if (t.Bucket != t.DestBucket || t.Source != t.Dest)
        {
            int updated;
            try
            {
                updated = await scope.ExecuteAsync(
                    "UPDATE storage.objects SET bucket_id = $3, name = $4, last_accessed_at = now() WHERE bucket_id = $1 AND name = $2",
                    t.Bucket, t.Source, t.DestBucket, t.Dest);
            }
            catch (PostgresException e) when (e.SqlState == "23505")
            {
                throw StorageError.Duplicate();
            }
            if (updated == 0) throw StorageError.AccessDenied();
            var to = obj.Blob with { Bucket = t.DestBucket, Key = t.Dest };
            var moved = false;
            if (obj.Version is not null)
            {
                try
                {
                    await req.State.Blobs.MoveAsync(obj.Blob, to, req.Aborted);
                    moved = true;
                }
                catch (BlobNotFoundException)
                {
                    // A row without bytes moves as a row.
                }
            }
            try
            {
                await scope.CommitAsync();
            }
            catch
            {
                if (moved) await req.State.Blobs.MoveAsync(to, obj.Blob, CancellationToken.None);
                throw;
            }
        }
        await Json.WriteAsync(ctx.Response, w =>
        {
            w.WriteStartObject();
            w.WriteString("message", "Successfully moved");
            w.WriteString("Id", obj.Id);
            w.WriteString("Key", t.DestBucket + "/" + t.Dest);
            w.WriteEndObject();
        });
    });
}
