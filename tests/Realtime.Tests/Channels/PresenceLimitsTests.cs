namespace Supacs.Realtime.Tests.Channels;

public sealed class OneEventPerSecondFixture : RealtimeFixture
{
    protected override string? ConfigToml => """
        [realtime]
        max_events_per_second = 1
        """;
}

public sealed class OnePresenceEventPerSecondFixture : RealtimeFixture
{
    protected override string? ConfigToml => """
        [realtime]
        max_presence_events_per_second = 1
        """;
}

internal static class PresencePush
{
    public static object Join(string key) => new { config = new { broadcast = new { ack = true }, presence = new { key, enabled = true } } };

    public static Task<string> TrackAsync(PhoenixTestClient client, string topic, string joinRef, int n) =>
        client.PushAsync(topic, "presence", new { type = "presence", @event = "track", payload = new { n } }, joinRef);
}

/// <summary>Upstream's presence limits: per channel 5 calls / 30 s, per project max_presence_events_per_second, not the events/s budget.</summary>
public sealed class PresenceLimitsTests(OneEventPerSecondFixture fixture) : IClassFixture<OneEventPerSecondFixture>
{
    [Fact]
    public async Task Presence_does_not_spend_the_broadcast_budget()
    {
        await using var client = await fixture.ConnectAsync();
        var (joinRef, _) = await client.JoinAsync("realtime:budget", PresencePush.Join("me"));
        for (var i = 0; i < 5; i++)
            Assert.Equal("ok", (await client.ReplyAsync("realtime:budget", await PresencePush.TrackAsync(client, "realtime:budget", joinRef, i))).Payload!["status"]!.GetValue<string>());
        // 1 event/s averaged over 60 s: all 60 broadcasts still fit after the 5 tracks.
        for (var i = 0; i < 60; i++)
        {
            var r = await client.PushAsync("realtime:budget", "broadcast", new { type = "broadcast", @event = "e", payload = new { i } }, joinRef);
            Assert.Equal("ok", (await client.ReplyAsync("realtime:budget", r)).Payload!["status"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task A_sixth_presence_call_in_30_s_closes_the_channel_with_a_system_error()
    {
        await using var client = await fixture.ConnectAsync();
        var (joinRef, _) = await client.JoinAsync("realtime:chatty", PresencePush.Join("me"));
        for (var i = 0; i < 5; i++) await client.ReplyAsync("realtime:chatty", await PresencePush.TrackAsync(client, "realtime:chatty", joinRef, i));
        await PresencePush.TrackAsync(client, "realtime:chatty", joinRef, 5);
        var system = await client.WaitForAsync(m => m.Event == "system");
        Assert.Equal("Client presence rate limit exceeded", system.Payload!["message"]!.GetValue<string>());
        Assert.Equal("error", system.Payload["status"]!.GetValue<string>());
        await client.WaitForAsync(m => m.Event == "phx_close" && m.Topic == "realtime:chatty");
    }
}

public sealed class PresenceEventBudgetTests(OnePresenceEventPerSecondFixture fixture) : IClassFixture<OnePresenceEventPerSecondFixture>
{
    [Fact]
    public async Task Tracks_and_the_diffs_they_fan_out_spend_max_presence_events_per_second()
    {
        // 1 presence event/s over 60 s: 60. Twenty watchers join (20 states), then each track costs 1 + 20 diffs (+1 to the tracker): the third cannot fit.
        var watchers = new List<PhoenixTestClient>();
        try
        {
            for (var i = 0; i < 20; i++)
            {
                var w = await fixture.ConnectAsync();
                watchers.Add(w);
                await w.JoinAsync("realtime:crowd", PresencePush.Join($"w{i}"));
            }
            await using var tracker = await fixture.ConnectAsync();
            var (joinRef, _) = await tracker.JoinAsync("realtime:crowd", PresencePush.Join("tracker"));
            string? closedWith = null;
            var tracks = 0;
            for (var n = 0; n < 5 && closedWith is null; n++, tracks++)
            {
                await PresencePush.TrackAsync(tracker, "realtime:crowd", joinRef, n);
                var answer = await tracker.WaitForAsync(m => m.Topic == "realtime:crowd" && (m.Event == "phx_reply" || m.Event == "system"));
                if (answer.Event == "system") closedWith = answer.Payload!["message"]!.GetValue<string>();
            }
            Assert.Equal("Too many presence messages per second", closedWith);
            Assert.Equal(3, tracks);
        }
        finally
        {
            foreach (var w in watchers) await w.DisposeAsync();
        }
    }
}

/// <summary>Upstream's join defaults for presence: on without a presence object, keys may be numbers.</summary>
public sealed class PresenceDefaultsTests(RealtimeFixture fixture) : IClassFixture<RealtimeFixture>
{
    [Fact]
    public async Task A_config_without_presence_has_presence_on_and_a_numeric_key_is_used_as_text()
    {
        await using var client = await fixture.ConnectAsync();
        await client.JoinAsync("realtime:defaults", new { config = new { broadcast = new { self = false } } });
        Assert.Equal("{}", (await client.WaitForAsync(m => m.Event == "presence_state" && m.Topic == "realtime:defaults")).Payload!.ToJsonString());

        // With a presence object, presence is on only when enabled.
        await client.JoinAsync("realtime:quiet-presence", new { config = new { presence = new { key = "" } } });
        await client.AssertNoneAsync(m => m.Event == "presence_state" && m.Topic == "realtime:quiet-presence");

        var (joinRef, _) = await client.JoinAsync("realtime:numbered", new { config = new { presence = new { key = 42, enabled = true } } });
        var r = await PresencePush.TrackAsync(client, "realtime:numbered", joinRef, 1);
        await client.ReplyAsync("realtime:numbered", r);
        var diff = await client.WaitForAsync(m => m.Event == "presence_diff" && m.Topic == "realtime:numbered");
        Assert.NotNull(diff.Payload!["joins"]!["42"]);
    }
}
