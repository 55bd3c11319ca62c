using Microsoft.AspNetCore.Routing;
using Supacs.Storage.Data;
using Supacs.Storage.Http;

namespace Supacs.Storage.Endpoints.Buckets;

/// <summary>GET /bucket/{id}: one bucket as the caller sees it; missing or hidden → Bucket not found.</summary>
internal static class GetBucket
{
    public static void Map(IEndpointRouteBuilder g) => g.Map("GET", "/bucket/{id}", async ctx =>
    {
        var req = await StorageRequest.CreateAsync(ctx, AuthMode.Required);
        await using var scope = await req.BeginAsync("storage.bucket.get");
        var bucket = await Bucket.FindAsync(scope, ctx.Route("id")) ?? throw StorageError.BucketNotFound();
        await Json.WriteAsync(ctx.Response, w => bucket.Write(w, includeType: false));
    });
}
