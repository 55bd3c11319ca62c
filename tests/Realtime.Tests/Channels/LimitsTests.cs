using System.Net.WebSockets;

namespace Supacs.Realtime.Tests.Channels;

public sealed class LimitsFixture : RealtimeFixture
{
    protected override string? ConfigToml => """
        [realtime]
        max_concurrent_users = 3
        max_channels_per_client = 2
        max_events_per_second = 1
        max_payload_size_in_kb = 1
        """;
}

public sealed class JoinRateFixture : RealtimeFixture
{
    protected override string? ConfigToml => """
        [realtime]
        max_joins_per_second = 1
        """;
}

/// <summary>The [realtime] limits from config.toml, with upstream's messages.</summary>
public sealed class LimitsTests(LimitsFixture fixture) : IClassFixture<LimitsFixture>
{
    [Fact]
    public async Task Channels_per_client_events_per_second_and_payload_size()
    {
        await using var client = await fixture.ConnectAsync("1.0.0");
        var (joinRef, _) = await client.JoinAsync("realtime:l1", new { config = new { broadcast = new { ack = true } } });
        await client.JoinAsync("realtime:l2");
        var r = await client.PushAsync("realtime:l3", "phx_join", new { config = new { } }, "x", "x");
        Assert.Equal("ChannelRateLimitReached: Too many channels", (await client.ReplyAsync("realtime:l3", r)).Payload!["response"]!["reason"]!.GetValue<string>());

        var big = await client.PushAsync("realtime:l1", "broadcast", new { type = "broadcast", @event = "e", payload = new { s = new string('x', 1100) } }, joinRef);
        Assert.Equal("payload_size_exceeded", (await client.ReplyAsync("realtime:l1", big)).Payload!["response"]!["reason"]!.GetValue<string>());

        // 1 event/s averaged over 60 s: 60 events fit in the window (the oversize one counted), the next closes the channel.
        for (var i = 0; i < 59; i++)
        {
            var ok = await client.PushAsync("realtime:l1", "broadcast", new { type = "broadcast", @event = "e", payload = new { i } }, joinRef);
            Assert.Equal("ok", (await client.ReplyAsync("realtime:l1", ok)).Payload!["status"]!.GetValue<string>());
        }
        await client.PushAsync("realtime:l1", "broadcast", new { type = "broadcast", @event = "e", payload = new { } }, joinRef);
        var system = await client.WaitForAsync(m => m.Event == "system");
        Assert.Equal("Too many messages per second", system.Payload!["message"]!.GetValue<string>());
        await client.WaitForAsync(m => m.Event == "phx_close");
    }

    [Fact]
    public async Task Concurrent_users_are_capped_with_429()
    {
        await using var a = await fixture.ConnectAsync();
        await using var b = await fixture.ConnectAsync();
        await using var c = await fixture.ConnectAsync();
        await a.BarrierAsync();
        await b.BarrierAsync();
        await c.BarrierAsync();
        using var ws = new ClientWebSocket();
        var e = await Assert.ThrowsAsync<WebSocketException>(() => ws.ConnectAsync(
            new Uri($"ws://{fixture.Host.BaseAddress.Authority}/realtime/v1/websocket?apikey={fixture.Host.Project.Keys.AnonKey}&vsn=2.0.0"), CancellationToken.None));
        Assert.Contains("429", e.Message);
    }
}

public sealed class JoinRateTests(JoinRateFixture fixture) : IClassFixture<JoinRateFixture>
{
    [Fact]
    public async Task Joins_per_second_are_capped_and_the_socket_is_then_closed()
    {
        await using var client = await fixture.ConnectAsync();
        string? reason = null;
        // 1 join/s averaged over 60 s: 60 joins fit, the 61st is refused.
        var joins = 0;
        for (var i = 0; i < 70 && reason is null; i++, joins++)
        {
            var r = await client.PushAsync($"realtime:j{i}", "phx_join", new { config = new { } }, $"j{i}", $"j{i}");
            var reply = await client.ReplyAsync($"realtime:j{i}", r);
            if (reply.Payload!["status"]!.GetValue<string>() == "error") reason = reply.Payload["response"]!["reason"]!.GetValue<string>();
        }
        Assert.Equal("ClientJoinRateLimitReached: Too many joins per second", reason);
        Assert.Equal(61, joins);
        // Upstream disconnects the socket after this error.
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (client.State == WebSocketState.Open && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.NotEqual(WebSocketState.Open, client.State);
    }
}
