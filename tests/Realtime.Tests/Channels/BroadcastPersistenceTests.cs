using System.Net;
using System.Net.Http.Json;
using Supacs.Testing;

namespace Supacs.Realtime.Tests.Channels;

/// <summary>Everyone signed in reads 'stored-*' topics; Alice may write anything there, Bob only plain broadcasts (no persistence).</summary>
public sealed class PersistenceFixture : RealtimeFixture
{
    public static readonly Guid Alice = Guid.Parse("aaaaaaaa-2222-0000-0000-000000000001");
    public static readonly Guid Bob = Guid.Parse("bbbbbbbb-2222-0000-0000-000000000002");

    protected override Task SetUpAsync(TestDatabase database) => database.ExecuteAsync($"""
        CREATE POLICY stored_read ON realtime.messages FOR SELECT TO authenticated
          USING (realtime.topic() LIKE 'stored-%' AND extension IN ('broadcast', 'presence'));
        CREATE POLICY alice_writes ON realtime.messages FOR INSERT TO authenticated
          WITH CHECK (realtime.topic() LIKE 'stored-%' AND auth.uid() = '{Alice}');
        CREATE POLICY bob_sends ON realtime.messages FOR INSERT TO authenticated
          WITH CHECK (realtime.topic() LIKE 'stored-%' AND auth.uid() = '{Bob}' AND extension = 'broadcast');
        """);
}

/// <summary>Broadcast <c>persist</c> (client and REST) and replay without duplicates.</summary>
public sealed class BroadcastPersistenceTests(PersistenceFixture fixture) : IClassFixture<PersistenceFixture>
{
    private static object Join(Guid user, bool isPrivate = true, object? replay = null) => new
    {
        config = new { broadcast = new { self = false, ack = true, replay }, presence = new { key = "" }, @private = isPrivate },
        access_token = TestTokens.For(user.ToString()),
    };

    private static long Since => DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds();

    [Fact]
    public async Task A_persisted_broadcast_goes_out_live_with_its_id_and_is_replayed_to_later_joins_once()
    {
        await using var alice = await fixture.ConnectAsync();
        await using var bob = await fixture.ConnectAsync("1.0.0");
        var (aliceRef, _) = await alice.JoinAsync("realtime:stored-1", Join(PersistenceFixture.Alice));
        await bob.JoinAsync("realtime:stored-1", Join(PersistenceFixture.Bob));

        var r = await alice.BroadcastBinaryAsync("realtime:stored-1", aliceRef, "chat", """{"text":"kept"}""", """{"persist":true}""");
        var ack = await alice.ReplyAsync("realtime:stored-1", r);
        Assert.Equal("ok", ack.Payload!["status"]!.GetValue<string>());
        var id = ack.Payload["response"]!["id"]!.GetValue<string>();
        var live = await bob.WaitForAsync(m => m.Event == "broadcast");
        Assert.Equal("kept", live.Payload!["payload"]!["text"]!.GetValue<string>());
        Assert.Equal(id, live.Payload["meta"]!["id"]!.GetValue<string>());

        var row = await fixture.Database.ScalarAsync<string>(
            $"SELECT topic || '|' || extension || '|' || event || '|' || (payload->>'text') || '|' || private || '|' || " +
            $"(expires_at BETWEEN now()::timestamp + interval '71 hours' AND now()::timestamp + interval '73 hours') FROM realtime.messages WHERE id = '{id}'");
        Assert.Equal("stored-1|broadcast|chat|kept|true|true", row);
        // Stored rows with expires_at are not streamed out a second time.
        await bob.AssertNoneAsync(m => m.Event == "broadcast", TimeSpan.FromSeconds(1));

        // With a ttl it is replayed only until it expires.
        r = await alice.BroadcastBinaryAsync("realtime:stored-1", aliceRef, "chat", """{"text":"brief"}""", """{"persist":{"ttl":1}}""");
        Assert.Equal("ok", (await alice.ReplyAsync("realtime:stored-1", r)).Payload!["status"]!.GetValue<string>());
        await using (var early = await fixture.ConnectAsync())
        {
            await early.JoinAsync("realtime:stored-1", Join(PersistenceFixture.Bob, replay: new { since = Since }));
            Assert.Equal("kept", (await early.WaitForAsync(m => m.Event == "broadcast")).Payload!["payload"]!["text"]!.GetValue<string>());
            Assert.Equal("brief", (await early.WaitForAsync(m => m.Event == "broadcast")).Payload!["payload"]!["text"]!.GetValue<string>());
        }
        await Task.Delay(1500);
        await using var later = await fixture.ConnectAsync();
        await later.JoinAsync("realtime:stored-1", Join(PersistenceFixture.Bob, replay: new { since = Since }));
        var replayed = await later.WaitForAsync(m => m.Event == "broadcast");
        Assert.Equal(id, replayed.Payload!["meta"]!["id"]!.GetValue<string>());
        Assert.True(replayed.Payload["meta"]!["replayed"]!.GetValue<bool>());
        await later.AssertNoneAsync(m => m.Event == "broadcast", TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Persist_needs_a_private_channel_and_the_persistence_policy()
    {
        await using var alice = await fixture.ConnectAsync();
        await using var bob = await fixture.ConnectAsync();
        await using var listener = await fixture.ConnectAsync();
        var (publicRef, _) = await alice.JoinAsync("realtime:stored-2", Join(PersistenceFixture.Alice, isPrivate: false));
        await listener.JoinAsync("realtime:stored-2", Join(PersistenceFixture.Alice, isPrivate: false));
        var r = await alice.BroadcastBinaryAsync("realtime:stored-2", publicRef, "chat", "{}", """{"persist":true}""");
        var reply = await alice.ReplyAsync("realtime:stored-2", r);
        Assert.Equal("error", reply.Payload!["status"]!.GetValue<string>());
        Assert.Equal("persist can only be used on private channels", reply.Payload["response"]!["error"]!.GetValue<string>());
        await listener.AssertNoneAsync(m => m.Event == "broadcast");

        // Bob may send but not store: the broadcast goes out, the sender is told it was not stored, nothing is kept.
        var (bobRef, _) = await bob.JoinAsync("realtime:stored-3", Join(PersistenceFixture.Bob));
        await listener.JoinAsync("realtime:stored-3", Join(PersistenceFixture.Alice));
        r = await bob.BroadcastBinaryAsync("realtime:stored-3", bobRef, "chat", """{"n":1}""", """{"persist":true}""");
        reply = await bob.ReplyAsync("realtime:stored-3", r);
        Assert.Equal("Unauthorized: You do not have permissions to persist messages on this Channel topic: stored-3", reply.Payload!["response"]!["error"]!.GetValue<string>());
        Assert.Equal(1, (await listener.WaitForAsync(m => m.Event == "broadcast" && m.Topic == "realtime:stored-3")).Payload!["payload"]!["n"]!.GetValue<int>());
        Assert.Equal(0L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM realtime.messages WHERE topic = 'stored-3'"));

        // A ttl that is not a positive number is refused.
        r = await bob.BroadcastBinaryAsync("realtime:stored-3", bobRef, "chat", "{}", """{"persist":{"ttl":"soon"}}""");
        Assert.Equal("persist must be true or {ttl: seconds}", (await bob.ReplyAsync("realtime:stored-3", r)).Payload!["response"]!["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rest_single_broadcast_can_persist_on_private_topics()
    {
        await using var listener = await fixture.ConnectAsync();
        await listener.JoinAsync("realtime:stored-4", Join(PersistenceFixture.Bob));
        HttpRequestMessage Post(string query, Guid user)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/realtime/v1/api/broadcast/stored-4/events/note" + query) { Content = JsonContent.Create(new { n = 7 }) };
            request.Headers.Add("apikey", fixture.Host.Project.Keys.AnonKey);
            request.Headers.Authorization = new("Bearer", TestTokens.For(user.ToString()));
            return request;
        }
        using (var publicPersist = Post("?persist=true", PersistenceFixture.Alice))
        {
            var response = await fixture.Host.Client.SendAsync(publicPersist);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        }
        // A caller without the write policy gets 403 on the single endpoint, as upstream.
        using (var outsider = Post("?private=true", Guid.NewGuid()))
        {
            var response = await fixture.Host.Client.SendAsync(outsider);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("""{"message":"Unauthorized"}""", await response.Content.ReadAsStringAsync());
        }
        using (var stored = Post("?private=true&persist%5Bttl%5D=600", PersistenceFixture.Alice))
            Assert.Equal(HttpStatusCode.Accepted, (await fixture.Host.Client.SendAsync(stored)).StatusCode);
        var live = await listener.WaitForAsync(m => m.Event == "broadcast");
        var id = live.Payload!["meta"]!["id"]!.GetValue<string>();
        Assert.True(await fixture.Database.ScalarAsync<bool>(
            $"SELECT expires_at BETWEEN now()::timestamp + interval '590 seconds' AND now()::timestamp + interval '610 seconds' FROM realtime.messages WHERE id = '{id}' AND topic = 'stored-4'"));

        // Without the persistence policy the message is sent, not stored.
        using (var notStored = Post("?private=true&persist=true", PersistenceFixture.Bob))
            Assert.Equal(HttpStatusCode.Accepted, (await fixture.Host.Client.SendAsync(notStored)).StatusCode);
        var sent = await listener.WaitForAsync(m => m.Event == "broadcast");
        Assert.Null(sent.Payload!["meta"]);
        Assert.Equal(1L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM realtime.messages WHERE topic = 'stored-4'"));
    }

    [Fact]
    public async Task A_replayed_message_arriving_live_after_the_join_is_skipped()
    {
        var id = await fixture.Database.ScalarAsync<Guid>("""
            INSERT INTO realtime.messages (topic, extension, event, payload, private, expires_at)
            VALUES ('stored-5', 'broadcast', 'e', '{"n":1}', true, now()::timestamp + interval '1 hour') RETURNING id
            """);
        await using var replaying = await fixture.ConnectAsync();
        await using var plain = await fixture.ConnectAsync();
        await replaying.JoinAsync("realtime:stored-5", Join(PersistenceFixture.Bob, replay: new { since = Since }));
        Assert.Equal(id.ToString(), (await replaying.WaitForAsync(m => m.Event == "broadcast")).Payload!["meta"]!["id"]!.GetValue<string>());
        await plain.JoinAsync("realtime:stored-5", Join(PersistenceFixture.Bob));

        // The same stored message then arrives live (here through the batch endpoint with its id), followed by a new one.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/realtime/v1/api/broadcast")
        {
            Content = JsonContent.Create(new
            {
                messages = new object[]
                {
                    new { topic = "stored-5", @event = "e", payload = new { n = 1 }, @private = true, id = id.ToString() },
                    new { topic = "stored-5", @event = "e", payload = new { n = 2 }, @private = true, id = Guid.NewGuid().ToString() },
                },
            }),
        };
        request.Headers.Add("apikey", fixture.Host.Project.Keys.ServiceRoleKey);
        request.Headers.Authorization = new("Bearer", TestTokens.For(PersistenceFixture.Alice.ToString()));
        Assert.Equal(HttpStatusCode.Accepted, (await fixture.Host.Client.SendAsync(request)).StatusCode);

        Assert.Equal(1, (await plain.WaitForAsync(m => m.Event == "broadcast")).Payload!["payload"]!["n"]!.GetValue<int>());
        Assert.Equal(2, (await plain.WaitForAsync(m => m.Event == "broadcast")).Payload!["payload"]!["n"]!.GetValue<int>());
        Assert.Equal(2, (await replaying.WaitForAsync(m => m.Event == "broadcast")).Payload!["payload"]!["n"]!.GetValue<int>());
        await replaying.AssertNoneAsync(m => m.Event == "broadcast");
    }
}
