using Microsoft.AspNetCore.Routing;
using Supacs.Auth.Http;

namespace Supacs.Auth.Endpoints;

/// <summary>GET /health → {version, name, description}.</summary>
internal static class Health
{
    public const string Version = "v2.188.1-supacs";

    public static void Map(IEndpointRouteBuilder group) => group.MapAuth("GET", "/health", req =>
        JsonResponse.WriteAsync(req.Http, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("version", Version);
            w.WriteString("name", "GoTrue");
            w.WriteString("description", "GoTrue is a user registration and authentication API");
            w.WriteEndObject();
        }));
}
