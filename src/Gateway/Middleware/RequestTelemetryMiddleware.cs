using System.Diagnostics;
using Supacs.Core.Telemetry;

namespace Supacs.Gateway.Middleware;

/// <summary>One structured log line and one duration sample per request, tagged by module and status class.</summary>
internal sealed class RequestTelemetryMiddleware(RequestDelegate next, SupacsMetrics metrics, ILoggerFactory loggers)
{
    private readonly ILogger _log = loggers.CreateLogger(GatewayLog.RequestCategory);

    public async Task InvokeAsync(HttpContext context)
    {
        var start = Stopwatch.GetTimestamp();
        var module = ModuleRoutes.ModuleOf(context.Request.Path);
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            var elapsed = Stopwatch.GetElapsedTime(start);
            var status = context.Response.StatusCode;
            metrics.RecordRequest(module, status, elapsed.TotalSeconds);
            // The query string is left out on purpose: it may carry an apikey or a token.
            GatewayLog.Request(_log, context.Request.Method, context.Request.Path.Value ?? "/", status, elapsed.TotalMilliseconds, module);
        }
    }
}
