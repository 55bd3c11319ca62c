using Supacs.Core.Telemetry;

namespace Supacs.Gateway.Endpoints;

/// <summary>GET /metrics in the Prometheus text format.</summary>
internal static class MetricsEndpoint
{
    public static void MapMetrics(this IEndpointRouteBuilder app) =>
        app.MapGet("/metrics", (PrometheusExporter exporter) =>
            Results.Text(exporter.Render(), "text/plain; version=0.0.4; charset=utf-8"));
}
