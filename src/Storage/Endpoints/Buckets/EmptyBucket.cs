using Microsoft.AspNetCore.Routing;
using Supacs.Storage.Data;
using Supacs.Storage.Http;

namespace Supacs.Storage.Endpoints.Buckets;

/// <summary>
/// POST /bucket/{id}/empty: service_role only (real 403 otherwise); deletes every object and its blob before answering,
/// with upstream's reply text (upstream queues the job; here it is already done, so an empty-then-delete works at once).
/// </summary>
internal static class EmptyBucket
{
    public static void Map(IEndpointRouteBuilder g) => g.Map("POST", "/bucket/{id}/empty", async ctx =>
    {
        var req = await StorageRequest.CreateAsync(ctx, AuthMode.Required);
        if (!req.Identity.IsServiceRole)
            throw new StorageError("403", "Unauthorized", "Operation not allowed", "AccessDenied", 403);
        var id = ctx.Route("id");
        await using var scope = await req.BeginAsync("storage.bucket.empty");
        _ = await Bucket.FindAsync(scope, id) ?? throw StorageError.BucketNotFound();
        var removed = new List<(string Name, string? Version)>();
        await using (var cmd = await scope.CommandAsync("DELETE FROM storage.objects WHERE bucket_id = $1 RETURNING name, version", id))
        await using (var r = await cmd.ExecuteReaderAsync(req.Aborted))
            while (await r.ReadAsync(req.Aborted)) removed.Add((r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1)));
        await scope.CommitAsync();
        await req.State.Blobs.DeleteAsync(removed.Where(r => r.Version is not null).Select(r => new Blobs.BlobKey(id, r.Name, r.Version!)).ToList(), CancellationToken.None);
        await Json.MessageAsync(ctx.Response, "Empty bucket has been queued. Completion may take up to an hour.");
    });
}
