using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Supacs.Realtime.Tests;

/// <summary>The Supacs.Realtime meter reports sockets, channels and received messages.</summary>
public sealed class RealtimeMetricsTests(RealtimeFixture fixture) : IClassFixture<RealtimeFixture>
{
    [Fact]
    public async Task Connections_channels_and_messages_are_measured()
    {
        var values = new ConcurrentDictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) =>
        {
            if (i.Meter.Name == RealtimeMetrics.MeterName) l.EnableMeasurementEvents(i);
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) =>
        {
            var kind = tags.Length > 0 ? "." + tags[0].Value : "";
            // Other test hosts in this process report too: sum counters, keep the largest gauge.
            values.AddOrUpdate(i.Name + kind, v, (_, old) => i is Counter<long> ? old + v : Math.Max(old, v));
        });
        listener.Start();

        await using var client = await fixture.ConnectAsync();
        var (joinRef, _) = await client.JoinAsync("realtime:metrics", new { config = new { broadcast = new { ack = true } } });
        var r = await client.BroadcastBinaryAsync("realtime:metrics", joinRef, "e", "{}");
        await client.ReplyAsync("realtime:metrics", r);
        listener.RecordObservableInstruments();

        Assert.True(values.GetValueOrDefault("supacs.realtime.connections") >= 1);
        Assert.True(values.GetValueOrDefault("supacs.realtime.channels") >= 1);
        Assert.True(values.GetValueOrDefault("supacs.realtime.messages.received.broadcast") >= 1);
    }
}
