using System.Net;
using System.Net.Http.Json;
using Supacs.Testing;

namespace Supacs.Realtime.Tests.Channels;

public sealed class PrivateChannelFixture : RealtimeFixture
{
    public static readonly Guid Alice = Guid.Parse("aaaaaaaa-1111-0000-0000-000000000001");
    public static readonly Guid Bob = Guid.Parse("bbbbbbbb-1111-0000-0000-000000000002");

    protected override Task SetUpAsync(TestDatabase database) => database.ExecuteAsync($"""
        CREATE POLICY members_read ON realtime.messages FOR SELECT TO authenticated
          USING (realtime.topic() = 'room-1' AND extension IN ('broadcast', 'presence'));
        CREATE POLICY alice_writes ON realtime.messages FOR INSERT TO authenticated
          WITH CHECK (realtime.topic() = 'room-1' AND auth.uid() = '{Alice}');
        """);
}

/// <summary>Private channels authorised by RLS on realtime.messages; broadcasts from the database and the REST API.</summary>
public sealed class PrivateChannelTests(PrivateChannelFixture fixture) : IClassFixture<PrivateChannelFixture>
{
    private static object Join(Guid user, bool self = true, bool ack = true) => new
    {
        config = new { broadcast = new { self, ack }, presence = new { key = user.ToString(), enabled = true }, @private = true },
        access_token = TestTokens.For(user.ToString()),
    };

    [Fact]
    public async Task Join_is_refused_without_a_read_policy()
    {
        await using var client = await fixture.ConnectAsync();
        var r = await client.PushAsync("realtime:room-2", "phx_join", Join(PrivateChannelFixture.Alice), "1", "1");
        var reply = await client.ReplyAsync("realtime:room-2", r);
        Assert.Equal("Unauthorized: You do not have permissions to read from this Channel topic: room-2",
            reply.Payload!["response"]!["reason"]!.GetValue<string>());
        // The same topic as a public channel is open to everyone.
        await client.JoinAsync("realtime:room-2", new { config = new { @private = false } });
    }

    [Fact]
    public async Task Writers_pass_the_insert_policy_and_readers_without_it_cannot_send()
    {
        await using var alice = await fixture.ConnectAsync();
        await using var bob = await fixture.ConnectAsync("1.0.0");
        await using var outsider = await fixture.ConnectAsync();
        var (aliceRef, _) = await alice.JoinAsync("realtime:room-1", Join(PrivateChannelFixture.Alice));
        var (bobRef, _) = await bob.JoinAsync("realtime:room-1", Join(PrivateChannelFixture.Bob));
        await outsider.JoinAsync("realtime:room-1", new { config = new { broadcast = new { self = false } } });

        var r = await alice.BroadcastBinaryAsync("realtime:room-1", aliceRef, "chat", """{"text":"hi"}""");
        await alice.ReplyAsync("realtime:room-1", r);
        Assert.Equal("hi", (await bob.WaitForAsync(m => m.Event == "broadcast")).Payload!["payload"]!["text"]!.GetValue<string>());

        var b = await bob.PushAsync("realtime:room-1", "broadcast", new { type = "broadcast", @event = "chat", payload = new { text = "no" } }, bobRef);
        var denied = await bob.ReplyAsync("realtime:room-1", b);
        Assert.Equal("Unauthorized: You do not have permissions to write to this Channel topic: room-1", denied.Payload!["response"]!["reason"]!.GetValue<string>());
        var t = await bob.PushAsync("realtime:room-1", "presence", new { type = "presence", @event = "track", payload = new { } }, bobRef);
        Assert.Equal("error", (await bob.ReplyAsync("realtime:room-1", t)).Payload!["status"]!.GetValue<string>());

        // Alice's own message came back (self) and bob's never reached her; the public channel of that name saw nothing.
        await alice.WaitForAsync(m => m.Event == "broadcast");
        await alice.BarrierAsync();
        await alice.AssertNoneAsync(m => m.Event == "broadcast");
        await outsider.AssertNoneAsync(m => m.Event == "broadcast", TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task Realtime_send_from_sql_reaches_private_and_public_subscribers_with_meta_id()
    {
        await using var alice = await fixture.ConnectAsync();
        await using var anon = await fixture.ConnectAsync("1.0.0");
        await alice.JoinAsync("realtime:room-1", Join(PrivateChannelFixture.Alice));
        await anon.JoinAsync("realtime:news", new { config = new { } });

        await fixture.Database.ExecuteAsync("""
            SELECT realtime.send('{"n":1}'::jsonb, 'db-event', 'room-1');
            SELECT realtime.send('{"n":2}'::jsonb, 'headline', 'news', false);
            """);
        var got = await alice.WaitForAsync(m => m.Event == "broadcast");
        Assert.True(got.Binary);
        Assert.Equal("db-event", got.Payload!["event"]!.GetValue<string>());
        Assert.Equal(1, got.Payload["payload"]!["n"]!.GetValue<int>());
        var id = got.Payload["meta"]!["id"]!.GetValue<string>();
        Assert.Equal(id, got.Payload["payload"]!["id"]!.GetValue<string>());
        var news = await anon.WaitForAsync(m => m.Event == "broadcast");
        Assert.Equal("headline", news.Payload!["event"]!.GetValue<string>());
        Assert.Equal(2, news.Payload["payload"]!["n"]!.GetValue<int>());
    }

    [Fact]
    public async Task Broadcast_changes_trigger_sends_record_and_old_record()
    {
        await fixture.Database.ExecuteAsync("""
            CREATE TABLE IF NOT EXISTS public.rooms (id int PRIMARY KEY, name text);
            CREATE OR REPLACE FUNCTION public.rooms_changes() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
            BEGIN
              PERFORM realtime.broadcast_changes('room-1', TG_OP, TG_OP, TG_TABLE_NAME, TG_TABLE_SCHEMA, NEW, OLD);
              RETURN NULL;
            END $$;
            DROP TRIGGER IF EXISTS rooms_changes ON public.rooms;
            CREATE TRIGGER rooms_changes AFTER INSERT OR UPDATE OR DELETE ON public.rooms FOR EACH ROW EXECUTE FUNCTION public.rooms_changes();
            """);
        await using var alice = await fixture.ConnectAsync();
        await alice.JoinAsync("realtime:room-1", Join(PrivateChannelFixture.Alice));
        await fixture.Database.ExecuteAsync("INSERT INTO public.rooms VALUES (1, 'a'); UPDATE public.rooms SET name = 'b' WHERE id = 1");
        var insert = await alice.WaitForAsync(m => m.Event == "broadcast" && m.Payload!["event"]!.GetValue<string>() == "INSERT");
        Assert.Equal("a", insert.Payload!["payload"]!["record"]!["name"]!.GetValue<string>());
        Assert.Equal("rooms", insert.Payload["payload"]!["table"]!.GetValue<string>());
        var update = await alice.WaitForAsync(m => m.Event == "broadcast" && m.Payload!["event"]!.GetValue<string>() == "UPDATE");
        Assert.Equal("a", update.Payload!["payload"]!["old_record"]!["name"]!.GetValue<string>());
        Assert.Equal("UPDATE", update.Payload["payload"]!["operation"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rest_broadcast_delivers_public_messages_and_private_ones_only_for_writers()
    {
        await using var alice = await fixture.ConnectAsync();
        await using var listener = await fixture.ConnectAsync();
        await alice.JoinAsync("realtime:room-1", Join(PrivateChannelFixture.Alice));
        await listener.JoinAsync("realtime:lobby", new { config = new { } });
        var keys = fixture.Host.Project.Keys;

        using var bobRequest = new HttpRequestMessage(HttpMethod.Post, "/realtime/v1/api/broadcast")
        {
            Content = JsonContent.Create(new { messages = new object[] { new { topic = "room-1", @event = "e", payload = new { from = "bob" }, @private = true } } }),
        };
        bobRequest.Headers.Add("apikey", keys.AnonKey);
        bobRequest.Headers.Authorization = new("Bearer", TestTokens.For(PrivateChannelFixture.Bob.ToString()));
        Assert.Equal(HttpStatusCode.Accepted, (await fixture.Host.Client.SendAsync(bobRequest)).StatusCode);

        using var aliceRequest = new HttpRequestMessage(HttpMethod.Post, "/realtime/v1/api/broadcast")
        {
            Content = JsonContent.Create(new
            {
                messages = new object[]
                {
                    new { topic = "room-1", @event = "e", payload = new { from = "alice" }, @private = true },
                    new { topic = "lobby", @event = "hello", payload = new { n = 1 } },
                },
            }),
        };
        aliceRequest.Headers.Add("apikey", keys.AnonKey);
        aliceRequest.Headers.Authorization = new("Bearer", TestTokens.For(PrivateChannelFixture.Alice.ToString()));
        var resp = await fixture.Host.Client.SendAsync(aliceRequest);
        Assert.Equal(HttpStatusCode.Accepted, resp.StatusCode);
        Assert.Equal("", await resp.Content.ReadAsStringAsync());

        var got = await alice.WaitForAsync(m => m.Event == "broadcast");
        Assert.Equal("alice", got.Payload!["payload"]!["from"]!.GetValue<string>());
        Assert.Equal(1, (await listener.WaitForAsync(m => m.Event == "broadcast")).Payload!["payload"]!["n"]!.GetValue<int>());
        await alice.AssertNoneAsync(m => m.Event == "broadcast");

        // Single-message endpoint, and the 401 for a bad token.
        using var single = new HttpRequestMessage(HttpMethod.Post, "/realtime/v1/api/broadcast/lobby/events/ping") { Content = JsonContent.Create(new { ok = true }) };
        single.Headers.Add("apikey", keys.AnonKey);
        Assert.Equal(HttpStatusCode.Accepted, (await fixture.Host.Client.SendAsync(single)).StatusCode);
        Assert.Equal("ping", (await listener.WaitForAsync(m => m.Event == "broadcast")).Payload!["event"]!.GetValue<string>());

        using var bad = new HttpRequestMessage(HttpMethod.Post, "/realtime/v1/api/broadcast") { Content = JsonContent.Create(new { messages = Array.Empty<object>() }) };
        bad.Headers.Authorization = new("Bearer", "nope");
        var badResp = await fixture.Host.Client.SendAsync(bad);
        Assert.Equal(HttpStatusCode.Unauthorized, badResp.StatusCode);
        Assert.Equal("""{"message":"Unauthorized"}""", await badResp.Content.ReadAsStringAsync());

        using var invalid = new HttpRequestMessage(HttpMethod.Post, "/realtime/v1/api/broadcast") { Content = JsonContent.Create(new { messages = new object[] { new { topic = "x" } } }) };
        invalid.Headers.Add("apikey", keys.AnonKey);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await fixture.Host.Client.SendAsync(invalid)).StatusCode);
    }

    [Fact]
    public async Task Access_token_refresh_that_keeps_read_access_keeps_the_channel()
    {
        await using var client = await fixture.ConnectAsync();
        var (joinRef, _) = await client.JoinAsync("realtime:room-1", Join(PrivateChannelFixture.Bob));
        await client.PushAsync("realtime:room-1", "access_token", new { access_token = TestTokens.For(PrivateChannelFixture.Bob.ToString(), extra: new Dictionary<string, object> { ["x"] = 1 }) }, joinRef);
        await client.BarrierAsync();
        await client.AssertNoneAsync(m => m.Event is "system" or "phx_close");
    }

    [Fact]
    public async Task Access_token_refresh_that_loses_read_access_closes_the_channel()
    {
        await fixture.Database.ExecuteAsync("""
            CREATE POLICY admins_read ON realtime.messages FOR SELECT TO authenticated
              USING (realtime.topic() = 'admins' AND auth.jwt()->>'user_role' = 'admin');
            """);
        await using var client = await fixture.ConnectAsync();
        var admin = TestTokens.For(Guid.NewGuid().ToString(), extra: new Dictionary<string, object> { ["user_role"] = "admin" });
        var (joinRef, _) = await client.JoinAsync("realtime:admins", new { config = new { @private = true }, access_token = admin });
        var demoted = TestTokens.For(Guid.NewGuid().ToString(), extra: new Dictionary<string, object> { ["user_role"] = "user" });
        await client.PushAsync("realtime:admins", "access_token", new { access_token = demoted }, joinRef);
        var system = await client.WaitForAsync(m => m.Event == "system");
        Assert.Equal("You no longer have permission to read from this Channel topic: admins", system.Payload!["message"]!.GetValue<string>());
        await client.WaitForAsync(m => m.Event == "phx_close");
    }
}
