using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Supacs.Core.Telemetry;

/// <summary>
/// Collects every "Supacs*" meter's instruments with a <see cref="MeterListener"/> and renders them in the
/// Prometheus text format for /metrics. Counters and histograms are aggregated per tag set.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    private static readonly double[] Buckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(Instrument Instrument, string Labels), Series> _series = new();
    // Measurements with up to two tags (every per-request one) find their series by the tag objects themselves, so
    // recording allocates nothing; the label text is built once per tag set.
    private readonly ConcurrentDictionary<FastKey, Series> _byTags = new();

    public PrometheusExporter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name.StartsWith("Supacs", StringComparison.Ordinal)) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    public string Render()
    {
        _listener.RecordObservableInstruments();
        var sb = new StringBuilder();
        foreach (var group in _series.GroupBy(s => s.Key.Instrument).OrderBy(g => g.Key.Name, StringComparer.Ordinal))
        {
            var instrument = group.Key;
            var name = MetricName(instrument);
            var type = instrument switch
            {
                Histogram<double> or Histogram<long> => "histogram",
                Counter<long> or Counter<double> or ObservableCounter<long> or ObservableCounter<double> => "counter",
                _ => "gauge",
            };
            if (instrument.Description is { Length: > 0 } d) sb.Append("# HELP ").Append(name).Append(' ').Append(d).Append('\n');
            sb.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            foreach (var (key, series) in group.OrderBy(s => s.Key.Labels, StringComparer.Ordinal))
                series.Write(sb, name, key.Labels, type);
        }
        return sb.ToString();
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var isGauge = instrument is ObservableGauge<double> or ObservableGauge<long> or ObservableGauge<int> or Gauge<double> or Gauge<long>;
        if (tags.Length <= 2)
        {
            var key = new FastKey(instrument,
                tags.Length > 0 ? tags[0].Key : null, tags.Length > 0 ? tags[0].Value : null,
                tags.Length > 1 ? tags[1].Key : null, tags.Length > 1 ? tags[1].Value : null);
            if (!_byTags.TryGetValue(key, out var known))
            {
                known = SeriesFor(instrument, Labels(tags));
                if (_byTags.Count < 10_000) _byTags.TryAdd(key, known);
            }
            known.Add(value, isGauge);
            return;
        }
        SeriesFor(instrument, Labels(tags)).Add(value, isGauge);
    }

    private Series SeriesFor(Instrument instrument, string labels) =>
        _series.GetOrAdd((instrument, labels), static (k, _) => new Series(k.Instrument is Histogram<double> or Histogram<long>), 0);

    private readonly record struct FastKey(Instrument Instrument, string? Key1, object? Value1, string? Key2, object? Value2);

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0) return "";
        var parts = new List<string>(tags.Length);
        foreach (var t in tags)
            parts.Add($"{Sanitize(t.Key)}=\"{Convert.ToString(t.Value, CultureInfo.InvariantCulture)?.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"");
        parts.Sort(StringComparer.Ordinal);
        return string.Join(',', parts);
    }

    private static string MetricName(Instrument i)
    {
        var name = Sanitize(i.Name);
        if (i.Unit == "s") name += "_seconds";
        if (i is Counter<long> or Counter<double>) name += "_total";
        return name;
    }

    private static string Sanitize(string s)
    {
        var chars = s.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
            if (!char.IsAsciiLetterOrDigit(chars[i]) && chars[i] != '_') chars[i] = '_';
        return new string(chars);
    }

    private sealed class Series(bool histogram)
    {
        private readonly long[] _buckets = histogram ? new long[Buckets.Length] : [];
        private double _sum;
        private long _count;
        private double _last;

        public void Add(double value, bool gauge)
        {
            lock (this)
            {
                if (gauge) { _last = value; return; }
                _sum += value;
                _count++;
                for (var i = 0; i < _buckets.Length; i++)
                    if (value <= Buckets[i]) _buckets[i]++;
            }
        }

        public void Write(StringBuilder sb, string name, string labels, string type)
        {
            lock (this)
            {
                var braces = labels.Length == 0 ? "" : "{" + labels + "}";
                if (type == "histogram")
                {
                    var prefix = labels.Length == 0 ? "" : labels + ",";
                    for (var i = 0; i < _buckets.Length; i++)
                        sb.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{{prefix}le=\"{Buckets[i].ToString(CultureInfo.InvariantCulture)}\"}} {_buckets[i]}\n");
                    sb.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{{prefix}le=\"+Inf\"}} {_count}\n");
                    sb.Append(CultureInfo.InvariantCulture, $"{name}_sum{braces} {_sum.ToString("R", CultureInfo.InvariantCulture)}\n");
                    sb.Append(CultureInfo.InvariantCulture, $"{name}_count{braces} {_count}\n");
                }
                else if (type == "gauge")
                {
                    sb.Append(CultureInfo.InvariantCulture, $"{name}{braces} {_last.ToString("R", CultureInfo.InvariantCulture)}\n");
                }
                else
                {
                    sb.Append(CultureInfo.InvariantCulture, $"{name}{braces} {_sum.ToString("R", CultureInfo.InvariantCulture)}\n");
                }
            }
        }
    }
}
