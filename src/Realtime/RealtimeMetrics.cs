using System.Diagnostics.Metrics;
using Supacs.Core.Projects;
using Supacs.Realtime.Channels;

namespace Supacs.Realtime;

/// <summary>Realtime metrics (meter "Supacs.Realtime", exported at /metrics): sockets, channels, messages in and frames out.</summary>
internal sealed class RealtimeMetrics
{
    public const string MeterName = "Supacs.Realtime";

    private readonly Counter<long> _received;
    private readonly Counter<long> _delivered;

    public RealtimeMetrics(IMeterFactory meterFactory, ProjectRegistry registry)
    {
        var meter = meterFactory.Create(MeterName);
        meter.CreateObservableGauge("supacs.realtime.connections", () => Sum(registry, h => h.SocketCount), "{connection}", "Open Realtime websockets.");
        meter.CreateObservableGauge("supacs.realtime.channels", () => Sum(registry, h => h.ChannelCount), "{channel}", "Joined channels.");
        _received = meter.CreateCounter<long>("supacs.realtime.messages.received", "{message}", "Broadcast and presence messages received from clients and the REST API, by kind.");
        _delivered = meter.CreateCounter<long>("supacs.realtime.postgres_changes.delivered", "{message}", "postgres_changes messages pushed to channels.");
    }

    public void Received(string kind) => _received.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public void Delivered(long count) => _delivered.Add(count);

    private static long Sum(ProjectRegistry registry, Func<RealtimeHub, int> value)
    {
        long total = 0;
        foreach (var project in registry.Projects)
            foreach (var hub in project.Features.OfType<RealtimeHub>()) total += value(hub);
        return total;
    }
}
