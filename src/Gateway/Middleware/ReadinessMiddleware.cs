using System.Text.Json;
using Supacs.Core.Projects;

namespace Supacs.Gateway.Middleware;

/// <summary>Until the project's database is ready, module routes answer 503 instead of failing deeper down.</summary>
internal sealed class ReadinessMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (ModuleRoutes.ModuleOf(context.Request.Path) != "gateway")
        {
            var project = context.GetSupacsProject();
            if (!project.IsReady)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.Headers.RetryAfter = "1";
                await context.Response.WriteAsJsonAsync(new Dictionary<string, string?>
                {
                    ["message"] = "Supacs is not ready yet",
                    ["state"] = JsonNamingPolicy.SnakeCaseLower.ConvertName(project.State.ToString()),
                    ["hint"] = project.StateMessage,
                }).ConfigureAwait(false);
                return;
            }
        }
        await next(context).ConfigureAwait(false);
    }
}
