using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Supacs.Realtime.Tests.Endpoints;

/// <summary>Upstream's defaults: refused upgrades wait 2 s, join errors 5 s.</summary>
public sealed class DefaultBackoffFixture : RealtimeFixture
{
    protected override bool ImmediateErrors => false;
}

public sealed class ConfiguredBackoffFixture : RealtimeFixture
{
    protected override string? ConfigToml => """
        [realtime]
        connect_error_backoff_ms = 300
        channel_error_backoff_ms = 600
        max_joins_per_second = 1
        """;
}

/// <summary>A raw websocket upgrade request, so a refused upgrade's status and JSON body can be read.</summary>
internal static class RawUpgrade
{
    public static async Task<(int Status, JsonNode? Body)> SendAsync(Uri baseAddress, string query)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(baseAddress.Host, baseAddress.Port);
        var stream = tcp.GetStream();
        var request = $"GET /realtime/v1/websocket?{query} HTTP/1.1\r\nHost: {baseAddress.Authority}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
                      "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var statusLine = await reader.ReadLineAsync() ?? "";
        var status = int.Parse(statusLine.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var length = 0;
        string? line;
        while (!string.IsNullOrEmpty(line = await reader.ReadLineAsync()))
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) length = int.Parse(line[15..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var body = new char[length];
        var read = 0;
        while (read < length) read += await reader.ReadAsync(body.AsMemory(read));
        return (status, length > 0 ? JsonNode.Parse(new string(body)) : null);
    }
}

public sealed class DefaultBackoffTests(DefaultBackoffFixture fixture) : IClassFixture<DefaultBackoffFixture>
{
    [Fact]
    public async Task Refused_upgrades_wait_2s_and_join_errors_5s_without_delaying_anything_else()
    {
        await using var client = await fixture.ConnectAsync();
        var clock = Stopwatch.StartNew();
        var refused = RawUpgrade.SendAsync(fixture.Host.BaseAddress, "apikey=not-a-jwt&vsn=2.0.0");
        var joinRef = await client.PushAsync("realtime:", "phx_join", new { config = new { } }, "bad", "bad");

        // Meanwhile this socket's heartbeats and joins, and new sockets, are answered at once.
        var fast = Stopwatch.StartNew();
        await client.BarrierAsync();
        await client.JoinAsync("realtime:fine");
        await using (var other = await fixture.ConnectAsync()) await other.BarrierAsync();
        Assert.True(fast.Elapsed < TimeSpan.FromSeconds(1.5), $"other work took {fast.Elapsed}");
        Assert.False(refused.IsCompleted);
        await client.AssertNoneAsync(m => m.Topic == "realtime:" && m.Event == "phx_reply", TimeSpan.FromSeconds(1));

        var (status, body) = await refused;
        var refusedAfter = clock.Elapsed;
        Assert.Equal(401, status);
        Assert.NotNull(body!["error"]);
        Assert.InRange(refusedAfter, TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(4.5));

        var reply = await client.ReplyAsync("realtime:", joinRef);
        Assert.Equal("TopicNameRequired: You must provide a topic name", reply.Payload!["response"]!["reason"]!.GetValue<string>());
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(4.9), TimeSpan.FromSeconds(8));
    }
}

public sealed class ConfiguredBackoffTests(ConfiguredBackoffFixture fixture) : IClassFixture<ConfiguredBackoffFixture>
{
    [Fact]
    public async Task Delays_come_from_config_and_joins_per_second_are_checked_at_connect()
    {
        await using var client = await fixture.ConnectAsync();
        var clock = Stopwatch.StartNew();
        var r = await client.PushAsync("realtime:", "phx_join", new { config = new { } }, "x", "x");
        await client.ReplyAsync("realtime:", r);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(550), TimeSpan.FromSeconds(4));

        // 1 join/s averaged over 60 s: 60 joins use up the budget (the refused join above did not count); the next upgrade is refused.
        for (var i = 0; i < 60; i++) await client.JoinAsync($"realtime:j{i}");
        clock.Restart();
        var (status, body) = await RawUpgrade.SendAsync(fixture.Host.BaseAddress, $"apikey={fixture.Host.Project.Keys.AnonKey}&vsn=2.0.0");
        Assert.Equal(429, status);
        Assert.Equal("Too many joins per second", body!["error"]!.GetValue<string>());
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(4));
    }
}
