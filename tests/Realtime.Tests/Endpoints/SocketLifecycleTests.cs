using System.Net.WebSockets;

namespace Supacs.Realtime.Tests.Endpoints;

public sealed class NoChannelFixture : RealtimeFixture
{
    protected override string? ConfigToml => """
        [realtime]
        no_channel_timeout_ms = 1500
        """;
}

/// <summary>Upstream's no-channel timeout and the <c>broadcast.replication_ready</c> system message.</summary>
public sealed class SocketLifecycleTests(NoChannelFixture fixture) : IClassFixture<NoChannelFixture>
{
    [Fact]
    public async Task A_socket_that_joins_no_channel_is_closed_after_the_timeout_one_with_a_channel_stays()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using var idle = await fixture.ConnectAsync();
        await using var joined = await fixture.ConnectAsync();
        await joined.JoinAsync("realtime:somewhere");
        // Both keep heartbeating, so the idle timeout is not what closes the first.
        var deadline = DateTime.UtcNow.AddSeconds(6);
        while (idle.State == WebSocketState.Open && DateTime.UtcNow < deadline)
        {
            try
            {
                await idle.BarrierAsync();
            }
            catch (Exception e) when (e is WebSocketException or TimeoutException or InvalidOperationException) { }
            await joined.BarrierAsync();
            await Task.Delay(200);
        }
        Assert.NotEqual(WebSocketState.Open, idle.State);
        Assert.True(clock.Elapsed > TimeSpan.FromSeconds(1.4), $"closed after {clock.Elapsed}");
        await joined.BarrierAsync();
        Assert.Equal(WebSocketState.Open, joined.State);
    }

    [Fact]
    public async Task Replication_ready_sends_a_system_message_once_the_stream_is_live()
    {
        await using var client = await fixture.ConnectAsync();
        await client.JoinAsync("realtime:ready", new { config = new { broadcast = new { replication_ready = true } } });
        var system = await client.WaitForAsync(m => m.Event == "system", TimeSpan.FromSeconds(30));
        Assert.Equal("system", system.Payload!["extension"]!.GetValue<string>());
        Assert.Equal("ok", system.Payload["status"]!.GetValue<string>());
        Assert.Equal("Replication connection established", system.Payload["message"]!.GetValue<string>());
        Assert.Equal("ready", system.Payload["channel"]!.GetValue<string>());

        // Without the option no such message comes.
        await client.JoinAsync("realtime:quiet", new { config = new { } });
        await client.AssertNoneAsync(m => m.Event == "system" && m.Topic == "realtime:quiet", TimeSpan.FromSeconds(1));
    }
}
