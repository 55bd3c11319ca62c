using Microsoft.AspNetCore.Routing;
using Supacs.Auth.Http;

namespace Supacs.Auth.Endpoints;

/// <summary>
/// GET /.well-known/jwks.json: the public asymmetric signing keys. Supacs signs with the HS256 project secret,
/// which is never published, so the set is empty — exactly what GoTrue answers for an HS256-only setup.
/// </summary>
internal static class Jwks
{
    public static void Map(IEndpointRouteBuilder group) => group.MapAuth("GET", "/.well-known/jwks.json", req =>
    {
        req.Http.Response.Headers.CacheControl = "public, max-age=600";
        return JsonResponse.WriteAsync(req.Http, 200, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("keys");
            w.WriteEndArray();
            w.WriteEndObject();
        });
    });
}
