using System.Text.Json;
using Supacs.Core.Hosting;
using Supacs.Core.Projects;

namespace Supacs.Gateway.Endpoints;

/// <summary>GET /health: 200 with each module's state once the database is ready, 503 before.</summary>
internal static class HealthEndpoint
{
    public static void MapHealth(this IEndpointRouteBuilder app) =>
        app.MapGet("/health", (HttpContext context, IEnumerable<SupacsModule> modules) =>
        {
            var project = context.GetSupacsProject();
            var ready = project.IsReady;
            var moduleStates = modules.ToDictionary(
                m => m.Name,
                m => ready && (m.IsReady?.Invoke(context.RequestServices) ?? true) ? "ready" : "starting");
            var body = new Dictionary<string, object?>
            {
                ["status"] = ready ? "ok" : "starting",
                ["database"] = JsonNamingPolicy.SnakeCaseLower.ConvertName(project.State.ToString()),
                ["modules"] = moduleStates,
            };
            if (project.StateMessage is { } message) body["message"] = message;
            return Results.Json(body, statusCode: ready ? 200 : 503);
        });
}
