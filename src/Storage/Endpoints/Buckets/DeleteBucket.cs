using Microsoft.AspNetCore.Routing;
using Supacs.Storage.Http;

namespace Supacs.Storage.Endpoints.Buckets;

/// <summary>DELETE /bucket/{id}: as the caller; a bucket with objects → 409 ResourceNotEmpty.</summary>
internal static class DeleteBucket
{
    public static void Map(IEndpointRouteBuilder g) => g.Map("DELETE", "/bucket/{id}", async ctx =>
    {
        var req = await StorageRequest.CreateAsync(ctx, AuthMode.Required);
        var id = ctx.Route("id");
        await using var scope = await req.BeginAsync("storage.bucket.delete");
        await scope.AsServiceAsync();
        await using (var count = await scope.CommandAsync("SELECT EXISTS (SELECT 1 FROM storage.objects WHERE bucket_id = $1)", id))
            if ((bool)(await count.ExecuteScalarAsync(req.Aborted))!) throw StorageError.BucketNotEmpty();
        await scope.AsUserAsync();
        if (await scope.ExecuteAsync("DELETE FROM storage.buckets WHERE id = $1", id) == 0) throw StorageError.BucketNotFound();
        await scope.CommitAsync();
        await req.State.Blobs.DeleteBucketAsync(id, CancellationToken.None);
        await Json.MessageAsync(ctx.Response, "Successfully deleted");
    });
}
