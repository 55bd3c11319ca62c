using Microsoft.AspNetCore.Routing;
using Supacs.Storage.Http;

namespace Supacs.Storage.Endpoints.Objects;

/// <summary>
/// GET/HEAD /object/sign/{bucket}/{*name}?token=: no auth header; the token decides, served as service_role, with the
/// token's expiry as <c>Expires</c> in place of Cache-Control.
/// </summary>
internal static class DownloadSigned
{
    public static void Map(IEndpointRouteBuilder g)
    {
        foreach (var method in new[] { "GET", "HEAD" })
            g.Map(method, "/object/sign/{bucket}/{**name}", async ctx =>
            {
                var req = await StorageRequest.CreateAsync(ctx, AuthMode.None);
                var bucket = ctx.Route("bucket");
                var key = ctx.Route("name");
                var claims = await SignedTokens.VerifyAsync(req.Project, ctx.Request.Query["token"], bucket + "/" + key, TokenScope.Download);
                var obj = await ObjectReader.FindAsync(req, bucket, key, ReadAccess.Signed);
                await ObjectReader.ServeAsync(ctx, req, obj, ObjectReader.TokenExpiry(claims));
            });
    }
}
