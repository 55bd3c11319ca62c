using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Supacs.Storage.Http;

namespace Supacs.Storage.Endpoints.Objects;

/// <summary>
/// GET and HEAD of /object/{bucket}/{*name} (JWT optional, anon without one), /object/authenticated/… (JWT
/// required) and /object/public/… (no auth; the bucket must be public).
/// </summary>
internal static class DownloadObject
{
    public static void Map(IEndpointRouteBuilder g)
    {
        foreach (var method in new[] { "GET", "HEAD" })
        {
            g.Map(method, "/object/{bucket}/{**name}", ctx => HandleAsync(ctx, AuthMode.Optional, ReadAccess.Caller));
            g.Map(method, "/object/authenticated/{bucket}/{**name}", ctx => HandleAsync(ctx, AuthMode.Required, ReadAccess.Caller));
            g.Map(method, "/object/public/{bucket}/{**name}", ctx => HandleAsync(ctx, AuthMode.None, ReadAccess.Public));
        }
    }

    private static async Task HandleAsync(HttpContext ctx, AuthMode auth, ReadAccess access)
    {
        var req = await StorageRequest.CreateAsync(ctx, auth);
        var obj = await ObjectReader.FindAsync(req, ctx.Route("bucket"), ctx.Route("name"), access);
        await ObjectReader.ServeAsync(ctx, req, obj);
    }
}
