using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Supacs.Storage.Endpoints;

/// <summary>GET /status (empty 200, as upstream's liveness route) and GET /version (the module's version string).</summary>
internal static class StatusEndpoints
{
    public static void Map(IEndpointRouteBuilder g)
    {
        g.MapGet("/status", (HttpContext ctx) => ctx.Response.WriteAsync(""));
        g.MapGet("/version", (HttpContext ctx) =>
        {
            ctx.Response.ContentType = "text/plain";
            return ctx.Response.WriteAsync("supacs-storage " + (typeof(StatusEndpoints).Assembly.GetName().Version?.ToString() ?? "0"));
        });
    }
}
