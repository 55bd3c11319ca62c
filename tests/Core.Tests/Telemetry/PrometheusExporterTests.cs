using System.Diagnostics.Metrics;
using Supacs.Core.Telemetry;

namespace Supacs.Core.Tests.Telemetry;

/// <summary>The exporter's series: one per tag set whatever the tags' order, counts and sums exact.</summary>
public sealed class PrometheusExporterTests
{
    [Fact]
    public void Same_tags_in_any_order_are_one_series()
    {
        using var meter = new Meter("Supacs.ExporterTest." + Guid.NewGuid().ToString("N"));
        using var exporter = new PrometheusExporter();
        var histogram = meter.CreateHistogram<double>("test.duration", "s");
        var counter = meter.CreateCounter<long>("test.events");

        histogram.Record(0.002, new("module", "rest"), new("status_class", "2xx"));
        histogram.Record(0.004, new("status_class", "2xx"), new("module", "rest"));
        histogram.Record(0.5, new("module", "auth"), new("status_class", "4xx"));
        counter.Add(3, new KeyValuePair<string, object?>("kind", "a"), new("node", "x"), new("zone", "1"));
        counter.Add(4, new KeyValuePair<string, object?>("zone", "1"), new("kind", "a"), new("node", "x"));
        counter.Add(1);

        var text = exporter.Render();
        Assert.Contains("test_duration_seconds_count{module=\"rest\",status_class=\"2xx\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("test_duration_seconds_sum{module=\"rest\",status_class=\"2xx\"} 0.006\n", text, StringComparison.Ordinal);
        Assert.Contains("test_duration_seconds_bucket{module=\"rest\",status_class=\"2xx\",le=\"0.001\"} 0\n", text, StringComparison.Ordinal);
        Assert.Contains("test_duration_seconds_bucket{module=\"rest\",status_class=\"2xx\",le=\"0.005\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("test_duration_seconds_count{module=\"auth\",status_class=\"4xx\"} 1\n", text, StringComparison.Ordinal);
        Assert.Single(text.Split('\n'), l => l.StartsWith("test_duration_seconds_count{module=\"rest\"", StringComparison.Ordinal));
        Assert.Contains("test_events_total{kind=\"a\",node=\"x\",zone=\"1\"} 7\n", text, StringComparison.Ordinal);
        Assert.Contains("test_events_total 1\n", text, StringComparison.Ordinal);
    }
}
