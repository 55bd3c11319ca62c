using System.Net;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Supacs.Testing;

namespace Supacs.Realtime.Tests.Endpoints;

/// <summary>The Phoenix lifecycle over a real websocket: heartbeat, join/leave/close, unmatched topics, token checks.</summary>
public sealed class WebSocketEndpointTests(RealtimeFixture fixture) : IClassFixture<RealtimeFixture>
{
    [Theory]
    [InlineData("1.0.0")]
    [InlineData("2.0.0")]
    public async Task Heartbeat_gets_an_ok_reply(string vsn)
    {
        await using var client = await fixture.ConnectAsync(vsn);
        var r = await client.PushAsync("phoenix", "heartbeat", new { });
        var reply = await client.ReplyAsync("phoenix", r);
        Assert.Null(reply.JoinRef);
        Assert.Equal("""{"status":"ok","response":{}}""", reply.Payload!.ToJsonString());
    }

    [Theory]
    [InlineData("1.0.0")]
    [InlineData("2.0.0")]
    public async Task Join_replies_ok_then_leave_replies_and_closes_with_join_ref(string vsn)
    {
        await using var client = await fixture.ConnectAsync(vsn);
        var (joinRef, reply) = await client.JoinAsync("realtime:room1", new { config = new { broadcast = new { self = false } } });
        Assert.Equal("""{"status":"ok","response":{"postgres_changes":[]}}""", reply.ToJsonString());

        var leaveRef = await client.PushAsync("realtime:room1", "phx_leave", new { }, joinRef);
        var leaveReply = await client.ReplyAsync("realtime:room1", leaveRef);
        Assert.Equal("ok", leaveReply.Payload!["status"]!.GetValue<string>());
        var close = await client.WaitForAsync(m => m.Event == "phx_close");
        Assert.Equal(joinRef, close.Ref);
        if (client.V2) Assert.Equal(joinRef, close.JoinRef);

        // After leaving, pushes to the topic are unmatched.
        var r = await client.PushAsync("realtime:room1", "broadcast", new { type = "broadcast", @event = "x", payload = new { } }, joinRef);
        var unmatched = await client.ReplyAsync("realtime:room1", r);
        Assert.Equal("""{"status":"error","response":{"reason":"unmatched topic"}}""", unmatched.Payload!.ToJsonString());
    }

    [Fact]
    public async Task Pushes_to_unjoined_or_non_realtime_topics_are_unmatched()
    {
        await using var client = await fixture.ConnectAsync();
        var r1 = await client.PushAsync("realtime:nope", "presence", new { type = "presence", @event = "track", payload = new { } });
        Assert.Equal("unmatched topic", (await client.ReplyAsync("realtime:nope", r1)).Payload!["response"]!["reason"]!.GetValue<string>());
        var r2 = await client.PushAsync("other:topic", "phx_join", new { config = new { } }, "9");
        Assert.Equal("unmatched topic", (await client.ReplyAsync("other:topic", r2)).Payload!["response"]!["reason"]!.GetValue<string>());
        var r3 = await client.PushAsync("realtime:", "phx_join", new { config = new { } }, "10");
        Assert.StartsWith("TopicNameRequired", (await client.ReplyAsync("realtime:", r3)).Payload!["response"]!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Join_with_forged_or_expired_token_is_refused_and_the_socket_carries_on()
    {
        await using var client = await fixture.ConnectAsync();
        var forged = TestTokens.For(Guid.NewGuid().ToString(), keys: new Supacs.Core.Keys.JwtKeys(new string('x', 40)));
        var r1 = await client.PushAsync("realtime:a", "phx_join", new { config = new { }, access_token = forged }, "1");
        Assert.Equal("JwtSignatureError: Failed to validate JWT signature", (await client.ReplyAsync("realtime:a", r1)).Payload!["response"]!["reason"]!.GetValue<string>());
        var r0 = await client.PushAsync("realtime:a", "phx_join", new { config = new { }, access_token = "not-a-jwt" }, "0");
        Assert.Equal("MalformedJWT: The token provided is not a valid JWT", (await client.ReplyAsync("realtime:a", r0)).Payload!["response"]!["reason"]!.GetValue<string>());

        var expired = TestTokens.Keys.SignPayload($$"""{"role":"authenticated","sub":"{{Guid.NewGuid()}}","exp":{{DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 600}}}""");
        var r2 = await client.PushAsync("realtime:a", "phx_join", new { config = new { }, access_token = expired }, "2");
        Assert.Matches("^InvalidJWTToken: Token has expired \\d+ seconds ago$", (await client.ReplyAsync("realtime:a", r2)).Payload!["response"]!["reason"]!.GetValue<string>());

        var noExp = TestTokens.Keys.SignPayload("""{"role":"authenticated"}""");
        var r3 = await client.PushAsync("realtime:a", "phx_join", new { config = new { }, access_token = noExp }, "3");
        Assert.Equal("InvalidJWTToken: Fields `role` and `exp` are required in JWT", (await client.ReplyAsync("realtime:a", r3)).Payload!["response"]!["reason"]!.GetValue<string>());

        await client.JoinAsync("realtime:a", new { config = new { }, access_token = TestTokens.For(Guid.NewGuid().ToString()) });
    }

    [Fact]
    public async Task Malformed_frames_are_ignored_and_the_socket_carries_on()
    {
        await using var client = await fixture.ConnectAsync();
        await client.SendTextAsync("{{{");
        await client.SendTextAsync("""{"topic":"x"}""");
        await client.SendBinaryAsync([9, 9, 9]);
        await client.SendBinaryAsync([3, 200, 0, 0, 0, 0, 1]);
        await client.BarrierAsync();
        Assert.Equal(WebSocketState.Open, client.State);
    }

    [Fact]
    public async Task Duplicate_join_closes_the_previous_channel()
    {
        await using var client = await fixture.ConnectAsync();
        var (first, _) = await client.JoinAsync("realtime:dup");
        var (second, _) = await client.JoinAsync("realtime:dup");
        var close = await client.WaitForAsync(m => m.Event == "phx_close");
        Assert.Equal(first, close.JoinRef);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public async Task Connect_is_refused_for_a_bad_apikey_or_vsn()
    {
        using var http = new HttpClient { BaseAddress = fixture.Host.BaseAddress };
        using var ws = new ClientWebSocket();
        var bad = new Uri($"ws://{fixture.Host.BaseAddress.Authority}/realtime/v1/websocket?apikey=nope&vsn=2.0.0");
        var e = await Assert.ThrowsAsync<WebSocketException>(() => ws.ConnectAsync(bad, CancellationToken.None));
        Assert.Contains("401", e.Message);

        using var ws2 = new ClientWebSocket();
        var badVsn = new Uri($"ws://{fixture.Host.BaseAddress.Authority}/realtime/v1/websocket?apikey={fixture.Host.Project.Keys.AnonKey}&vsn=3.0.0");
        var e2 = await Assert.ThrowsAsync<WebSocketException>(() => ws2.ConnectAsync(badVsn, CancellationToken.None));
        Assert.Contains("403", e2.Message);

        // Plain HTTP gets a JSON error.
        var resp = await http.GetAsync(new Uri($"/realtime/v1/websocket?apikey={fixture.Host.Project.Keys.AnonKey}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, resp.StatusCode);
        Assert.Contains("\"error\"", await resp.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Access_token_refresh_with_an_invalid_token_closes_the_channel_with_a_system_error()
    {
        await using var client = await fixture.ConnectAsync();
        var (joinRef, _) = await client.JoinAsync("realtime:tok", new { config = new { }, access_token = TestTokens.For(Guid.NewGuid().ToString()) });
        var expired = TestTokens.Keys.SignPayload($$"""{"role":"authenticated","exp":{{DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 100}}}""");
        await client.PushAsync("realtime:tok", "access_token", new { access_token = expired }, joinRef);
        var system = await client.WaitForAsync(m => m.Event == "system");
        Assert.Equal("error", system.Payload!["status"]!.GetValue<string>());
        Assert.Matches("^Token has expired \\d+ seconds ago$", system.Payload["message"]!.GetValue<string>());
        Assert.Equal("tok", system.Payload["channel"]!.GetValue<string>());
        Assert.Equal(joinRef, system.JoinRef);
        var close = await client.WaitForAsync(m => m.Event == "phx_close");
        Assert.Equal(joinRef, close.JoinRef);
    }

    [Fact]
    public async Task Channel_closes_when_its_token_expires()
    {
        await using var client = await fixture.ConnectAsync();
        var soon = TestTokens.Keys.SignPayload($$"""{"role":"authenticated","exp":{{DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1}}}""");
        var (joinRef, _) = await client.JoinAsync("realtime:exp", new { config = new { }, access_token = soon });
        var system = await client.WaitForAsync(m => m.Event == "system", TimeSpan.FromSeconds(5));
        Assert.StartsWith("Token has expired", system.Payload!["message"]!.GetValue<string>());
        await client.WaitForAsync(m => m.Event == "phx_close" && m.JoinRef == joinRef);
    }

    [Fact]
    public async Task Host_shutdown_sends_server_requested_disconnect_then_closes()
    {
        var host = await SupacsTestHost.StartAsync(fixture.Database, s => s.AddSupacsRealtime(), app => app.MapSupacsRealtime());
        await using var client = await PhoenixTestClient.ConnectAsync(host.BaseAddress, host.Project.Keys.AnonKey, "2.0.0");
        var (joinRef, _) = await client.JoinAsync("realtime:bye");
        var stopping = host.DisposeAsync().AsTask();
        var system = await client.WaitForAsync(m => m.Event == "system");
        Assert.Equal("""{"extension":"system","status":"ok","message":"Server requested disconnect","channel":"bye"}""", system.Payload!.ToJsonString());
        await client.WaitForAsync(m => m.Event == "phx_close" && m.JoinRef == joinRef);
        await stopping.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
