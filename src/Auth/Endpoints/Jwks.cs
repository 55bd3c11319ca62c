using Microsoft.AspNetCore.Routing;
using Supacs.Auth.Http;

namespace Supacs.Auth.Endpoints;

/// <summary>
/// GET /.well-known/jwks.json: the public parts of the project's asymmetric JWT keys (RS256/ES256 from
/// <c>JWT_KEYS</c> or <c>[auth] signing_keys_path</c>), each with <c>kid</c>, <c>alg</c>, <c>use: sig</c> and
/// <c>key_ops: ["verify"]</c>. The HS256 secret is never published, so an HS256-only project answers <c>{"keys":[]}</c>,
/// as GoTrue does.
/// </summary>
internal static class Jwks
{
    public static void Map(IEndpointRouteBuilder group) => group.MapAuth("GET", "/.well-known/jwks.json", req =>
    {
        req.Http.Response.Headers.CacheControl = "public, max-age=600";
        return JsonResponse.WriteAsync(req.Http, 200, w => w.WriteRawValue(req.Project.Keys.PublicJwksJson));
    });
}
