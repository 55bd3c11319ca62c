using System.Diagnostics.Metrics;

namespace Supacs.Core.Telemetry;

/// <summary>The gateway's request metrics (OpenTelemetry names, seconds). Modules add their own meters named "Supacs.X".</summary>
public sealed class SupacsMetrics
{
    public const string MeterName = "Supacs";

    private readonly Histogram<double> _duration;

    public SupacsMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _duration = meter.CreateHistogram<double>("supacs.http.server.request.duration", "s", "Duration of HTTP requests by module and status class.");
    }

    public void RecordRequest(string module, int statusCode, double seconds) =>
        _duration.Record(seconds,
            new KeyValuePair<string, object?>("module", module),
            new KeyValuePair<string, object?>("status_class", StatusClass(statusCode)));

    private static string StatusClass(int status) => status switch
    {
        < 200 => "1xx",
        < 300 => "2xx",
        < 400 => "3xx",
        < 500 => "4xx",
        _ => "5xx",
    };
}
