using Supacs.Testing;

namespace Supacs.Realtime.Tests.Channels;

/// <summary><c>config.broadcast.replay</c>: stored private broadcasts re-sent at join with <c>meta.replayed</c>.</summary>
public sealed class BroadcastReplayTests(PrivateChannelFixture fixture) : IClassFixture<PrivateChannelFixture>
{
    private static object Join(bool isPrivate, object replay) => new
    {
        config = new { broadcast = new { self = false, replay }, presence = new { key = "" }, @private = isPrivate },
        access_token = TestTokens.For(PrivateChannelFixture.Bob.ToString()),
    };

    [Fact]
    public async Task The_latest_stored_broadcasts_since_a_time_are_replayed_oldest_first()
    {
        var since = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds();
        await fixture.Database.ExecuteAsync("""
            INSERT INTO realtime.messages (topic, extension, event, payload, private, inserted_at) VALUES
              ('room-1', 'broadcast', 'old', '{"n":0}', true, now()::timestamp - interval '10 minutes'),
              ('room-1', 'broadcast', 'e', '{"n":1}', true, now()::timestamp - interval '3 seconds'),
              ('room-1', 'broadcast', 'e', '{"n":2}', true, now()::timestamp - interval '2 seconds'),
              ('room-1', 'presence', 'e', '{"n":9}', true, now()::timestamp - interval '2 seconds'),
              ('room-1', 'broadcast', 'public', '{"n":8}', false, now()::timestamp - interval '2 seconds'),
              ('room-1', 'broadcast', 'e', '{"n":3}', true, now()::timestamp - interval '1 second')
            """);
        await using var client = await fixture.ConnectAsync("1.0.0");
        await client.JoinAsync("realtime:room-1", Join(true, new { since, limit = 2 }));
        var first = await client.WaitForAsync(m => m.Event == "broadcast" && m.Payload!["meta"]?["replayed"] is not null);
        var second = await client.WaitForAsync(m => m.Event == "broadcast" && m.Payload!["meta"]?["replayed"] is not null);
        Assert.Equal(2, first.Payload!["payload"]!["n"]!.GetValue<int>());
        Assert.Equal(3, second.Payload!["payload"]!["n"]!.GetValue<int>());
        Assert.True(first.Payload["meta"]!["replayed"]!.GetValue<bool>());
        Assert.Equal(36, first.Payload["meta"]!["id"]!.GetValue<string>().Length);
        Assert.Equal("e", first.Payload["event"]!.GetValue<string>());
        await client.AssertNoneAsync(m => m.Event == "broadcast" && m.Payload!["meta"]?["replayed"] is not null);
    }

    [Fact]
    public async Task Replay_on_a_public_channel_or_with_bad_params_is_refused()
    {
        await using var client = await fixture.ConnectAsync();
        var r = await client.PushAsync("realtime:room-1", "phx_join", Join(false, new { since = 0, limit = 5 }), "1", "1");
        Assert.Equal("UnableToReplayMessages: Replay is not allowed for public channels",
            (await client.ReplyAsync("realtime:room-1", r)).Payload!["response"]!["reason"]!.GetValue<string>());
        r = await client.PushAsync("realtime:room-1", "phx_join", Join(true, new { since = 0, limit = "many" }), "2", "2");
        Assert.Equal("UnableToReplayMessages: Replay params are not valid",
            (await client.ReplyAsync("realtime:room-1", r)).Payload!["response"]!["reason"]!.GetValue<string>());
        r = await client.PushAsync("realtime:room-1", "phx_join", Join(true, new { since = "yesterday" }), "3", "3");
        Assert.Equal("UnableToReplayMessages: Replay params are not valid",
            (await client.ReplyAsync("realtime:room-1", r)).Payload!["response"]!["reason"]!.GetValue<string>());
    }
}
