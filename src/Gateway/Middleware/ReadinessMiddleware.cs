using System.Text.Json;
using Supacs.Core.Projects;

namespace Supacs.Gateway.Middleware;

/// <summary>Until the project's database is ready, module routes answer 503 instead of failing deeper down.</summary>
internal sealed class ReadinessMiddleware(RequestDelegate next)
{
    /// <summary>Not async on the way through: a websocket keeps each awaiting middleware's state for as long as it is open.</summary>
    public Task InvokeAsync(HttpContext context)
    {
        if (ModuleRoutes.ModuleOf(context.Request.Path) != "gateway" && !context.GetSupacsProject().IsReady) return NotReadyAsync(context);
        return next(context);
    }

    private static Task NotReadyAsync(HttpContext context)
    {
        var project = context.GetSupacsProject();
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = "1";
        return context.Response.WriteAsJsonAsync(new Dictionary<string, string?>
        {
            ["message"] = "Supacs is not ready yet",
            ["state"] = JsonNamingPolicy.SnakeCaseLower.ConvertName(project.State.ToString()),
            ["hint"] = project.StateMessage,
        });
    }
}
