using System.Text.Json.Nodes;
using Supacs.Testing;

namespace Supacs.Realtime.Tests.Changes;

public sealed class ChangesFixture : RealtimeFixture
{
    public static readonly Guid Alice = Guid.Parse("aaaaaaaa-0000-0000-0000-000000000001");
    public static readonly Guid Bob = Guid.Parse("bbbbbbbb-0000-0000-0000-000000000002");

    protected override Task SetUpAsync(TestDatabase database) => database.ExecuteAsync("""
        CREATE TABLE public.todos (id bigserial PRIMARY KEY, user_id uuid NOT NULL, title text, done boolean NOT NULL DEFAULT false,
          meta jsonb, created_at timestamptz NOT NULL DEFAULT now());
        ALTER TABLE public.todos ENABLE ROW LEVEL SECURITY;
        CREATE POLICY own_todos ON public.todos FOR SELECT TO authenticated USING (auth.uid() = user_id);
        CREATE TABLE public.notes (id int PRIMARY KEY, body text, n int);
        ALTER TABLE public.notes REPLICA IDENTITY FULL;
        CREATE TABLE public.hidden (id int PRIMARY KEY);
        GRANT ALL ON public.todos, public.notes, public.hidden TO anon, authenticated, service_role;
        GRANT ALL ON SEQUENCE public.todos_id_seq TO anon, authenticated, service_role;
        ALTER PUBLICATION supabase_realtime ADD TABLE public.todos, public.notes;
        """);
}

/// <summary>postgres_changes streamed from logical replication: payload shape, filters, RLS per (role, claims), readiness.</summary>
public sealed class PostgresChangesTests(ChangesFixture fixture) : IClassFixture<ChangesFixture>
{
    private static object Join(string token, params object[] changes) =>
        new { config = new { broadcast = new { self = false }, presence = new { key = "" }, postgres_changes = changes }, access_token = token };

    private static string UserToken(Guid sub) => TestTokens.For(sub.ToString());

    private async Task<(PhoenixTestClient Client, JsonNode Reply)> SubscribeAsync(string topic, string token, params object[] changes)
    {
        var client = await fixture.ConnectAsync();
        var (_, reply) = await client.JoinAsync(topic, Join(token, changes));
        var system = await client.WaitForAsync(m => m.Event == "system");
        Assert.Equal("""{"extension":"postgres_changes","status":"ok","message":"Subscribed to PostgreSQL","channel":"TOPIC"}""".Replace("TOPIC", topic["realtime:".Length..]),
            system.Payload!.ToJsonString());
        return (client, reply);
    }

    [Fact]
    public async Task Insert_update_delete_arrive_with_the_documented_payload()
    {
        var service = TestTokens.For(null, "service_role");
        var (client, reply) = await SubscribeAsync("realtime:c1", service, new { @event = "*", schema = "public", table = "notes" });
        await using var _ = client;
        var entry = reply["response"]!["postgres_changes"]![0]!;
        Assert.Equal("*", entry["event"]!.GetValue<string>());
        Assert.Equal("notes", entry["table"]!.GetValue<string>());
        var id = entry["id"]!.GetValue<int>();

        // Written right after "Subscribed to PostgreSQL": must arrive.
        await fixture.Database.ExecuteAsync("INSERT INTO public.notes VALUES (1, 'one', 10)");
        var insert = await client.WaitForAsync(m => m.Event == "postgres_changes");
        Assert.Equal($"[{id}]", insert.Payload!["ids"]!.ToJsonString());
        var data = insert.Payload["data"]!;
        Assert.Equal("public", data["schema"]!.GetValue<string>());
        Assert.Equal("notes", data["table"]!.GetValue<string>());
        Assert.Equal("INSERT", data["type"]!.GetValue<string>());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", data["commit_timestamp"]!.GetValue<string>());
        Assert.Equal("""[{"name":"id","type":"int4"},{"name":"body","type":"text"},{"name":"n","type":"int4"}]""", data["columns"]!.ToJsonString());
        Assert.Equal("""{"id":1,"body":"one","n":10}""", data["record"]!.ToJsonString());
        Assert.Null(data["old_record"]);
        Assert.Null(data["errors"]);

        await fixture.Database.ExecuteAsync("UPDATE public.notes SET body = 'uno' WHERE id = 1");
        var update = await client.WaitForAsync(m => m.Event == "postgres_changes");
        Assert.Equal("UPDATE", update.Payload!["data"]!["type"]!.GetValue<string>());
        Assert.Equal("""{"id":1,"body":"uno","n":10}""", update.Payload["data"]!["record"]!.ToJsonString());
        // REPLICA IDENTITY FULL: the whole previous row.
        Assert.Equal("""{"id":1,"body":"one","n":10}""", update.Payload["data"]!["old_record"]!.ToJsonString());

        await fixture.Database.ExecuteAsync("DELETE FROM public.notes WHERE id = 1");
        var delete = await client.WaitForAsync(m => m.Event == "postgres_changes");
        Assert.Equal("DELETE", delete.Payload!["data"]!["type"]!.GetValue<string>());
        Assert.Null(delete.Payload["data"]!["record"]);
        Assert.Equal("""{"id":1,"body":"uno","n":10}""", delete.Payload["data"]!["old_record"]!.ToJsonString());
    }

    [Fact]
    public async Task Event_and_filter_select_the_changes()
    {
        var service = TestTokens.For(null, "service_role");
        var (client, reply) = await SubscribeAsync("realtime:c2", service,
            new { @event = "INSERT", schema = "public", table = "notes", filter = "n=gte.100" },
            new { @event = "DELETE", schema = "public", table = "notes", filter = "body=in.(x,y)" });
        await using var _ = client;
        var insertId = reply["response"]!["postgres_changes"]![0]!["id"]!.GetValue<int>();
        Assert.Equal("n=gte.100", reply["response"]!["postgres_changes"]![0]!["filter"]!.GetValue<string>());

        await fixture.Database.ExecuteAsync("INSERT INTO public.notes VALUES (20, 'x', 5); INSERT INTO public.notes VALUES (21, 'z', 500)");
        var got = await client.WaitForAsync(m => m.Event == "postgres_changes");
        Assert.Equal($"[{insertId}]", got.Payload!["ids"]!.ToJsonString());
        Assert.Equal(21, got.Payload["data"]!["record"]!["id"]!.GetValue<int>());

        await fixture.Database.ExecuteAsync("UPDATE public.notes SET n = 1000 WHERE id = 20; DELETE FROM public.notes WHERE id = 21; DELETE FROM public.notes WHERE id = 20");
        var deleted = await client.WaitForAsync(m => m.Event == "postgres_changes");
        Assert.Equal("DELETE", deleted.Payload!["data"]!["type"]!.GetValue<string>());
        Assert.Equal(20, deleted.Payload["data"]!["old_record"]!["id"]!.GetValue<int>());
        // The earlier non-matching insert, the update and the other delete never arrived (the stream is ordered).
        await client.AssertNoneAsync(m => m.Event == "postgres_changes", TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task Rls_decides_who_sees_each_row()
    {
        var change = new { @event = "INSERT", schema = "public", table = "todos" };
        var (alice, _) = await SubscribeAsync("realtime:c3", UserToken(ChangesFixture.Alice), change);
        var (bob, _) = await SubscribeAsync("realtime:c3", UserToken(ChangesFixture.Bob), change);
        var (anon, _) = await SubscribeAsync("realtime:c3", fixture.Host.Project.Keys.AnonKey, change);
        await using var a = alice;
        await using var b = bob;
        await using var n = anon;

        await fixture.Database.ExecuteAsync($$"""
            INSERT INTO public.todos (user_id, title, meta) VALUES ('{{ChangesFixture.Alice}}', 'alice todo', '{"tags":["x"]}');
            INSERT INTO public.todos (user_id, title) VALUES ('{{ChangesFixture.Bob}}', 'bob todo');
            """);
        var forAlice = await alice.WaitForAsync(m => m.Event == "postgres_changes");
        Assert.Equal("alice todo", forAlice.Payload!["data"]!["record"]!["title"]!.GetValue<string>());
        Assert.Equal("""{"tags":["x"]}""", forAlice.Payload["data"]!["record"]!["meta"]!.ToJsonString());
        Assert.False(forAlice.Payload["data"]!["record"]!["done"]!.GetValue<bool>());
        var forBob = await bob.WaitForAsync(m => m.Event == "postgres_changes");
        Assert.Equal("bob todo", forBob.Payload!["data"]!["record"]!["title"]!.GetValue<string>());

        // A later row for alice is the barrier: anything else for these sockets would have come before it.
        await fixture.Database.ExecuteAsync($"INSERT INTO public.todos (user_id, title) VALUES ('{ChangesFixture.Alice}', 'barrier')");
        await alice.WaitForAsync(m => m.Event == "postgres_changes" && m.Payload!["data"]!["record"]!["title"]!.GetValue<string>() == "barrier");
        await alice.AssertNoneAsync(m => m.Event == "postgres_changes", TimeSpan.FromMilliseconds(100));
        await bob.AssertNoneAsync(m => m.Event == "postgres_changes", TimeSpan.FromMilliseconds(100));
        await anon.AssertNoneAsync(m => m.Event == "postgres_changes", TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task Unpublished_tables_and_bad_filters_get_a_system_error()
    {
        await using var client = await fixture.ConnectAsync();
        var service = TestTokens.For(null, "service_role");
        await client.JoinAsync("realtime:c4", Join(service, new { @event = "*", schema = "public", table = "hidden" }));
        var error = await client.WaitForAsync(m => m.Event == "system");
        Assert.Equal("error", error.Payload!["status"]!.GetValue<string>());
        Assert.StartsWith("Unable to subscribe to changes with given parameters", error.Payload["message"]!.GetValue<string>());

        await client.JoinAsync("realtime:c5", Join(service, new { @event = "*", schema = "public", table = "notes", filter = "nope=eq.1" }));
        var bad = await client.WaitForAsync(m => m.Event == "system");
        Assert.Contains("nope", bad.Payload!["message"]!.GetValue<string>());

        await client.JoinAsync("realtime:c6", Join(service, new { @event = "*", schema = "public", table = "notes", filter = "n=zz.1" }));
        var parse = await client.WaitForAsync(m => m.Event == "system");
        Assert.StartsWith("Error parsing `filter` params", parse.Payload!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Legacy_topic_subscriptions_get_events_named_after_the_change()
    {
        await using var client = await fixture.ConnectAsync("1.0.0");
        await client.JoinAsync("realtime:public:notes:id=eq.900", new { user_token = TestTokens.For(null, "service_role") });
        await client.WaitForAsync(m => m.Event == "system");
        await fixture.Database.ExecuteAsync("INSERT INTO public.notes VALUES (899, 'other', 1); INSERT INTO public.notes VALUES (900, 'legacy', 1)");
        var insert = await client.WaitForAsync(m => m.Event == "INSERT");
        Assert.Equal("legacy", insert.Payload!["record"]!["body"]!.GetValue<string>());
        Assert.Equal("notes", insert.Payload["table"]!.GetValue<string>());
        await fixture.Database.ExecuteAsync("DELETE FROM public.notes WHERE id = 900");
        var delete = await client.WaitForAsync(m => m.Event == "DELETE");
        Assert.Equal(900, delete.Payload!["old_record"]!["id"]!.GetValue<int>());
        await client.AssertNoneAsync(m => m.Event == "INSERT", TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task Comma_anded_filters_select_the_changes()
    {
        var (client, _) = await SubscribeAsync("realtime:c9", TestTokens.For(null, "service_role"),
            new { @event = "INSERT", schema = "public", table = "notes", filter = "id=gte.950,body=like.ke%" });
        await using var _ = client;
        await fixture.Database.ExecuteAsync("INSERT INTO public.notes VALUES (949, 'keep', 1), (951, 'drop', 1), (952, 'keep', 1)");
        var got = await client.WaitForAsync(m => m.Event == "postgres_changes");
        Assert.Equal(952, got.Payload!["data"]!["record"]!["id"]!.GetValue<int>());
        await client.AssertNoneAsync(m => m.Event == "postgres_changes", TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task Leaving_stops_delivery()
    {
        var service = TestTokens.For(null, "service_role");
        var (client, _) = await SubscribeAsync("realtime:c7", service, new { @event = "*", schema = "public", table = "notes", filter = "id=gte.700" });
        await using var _ = client;
        var (watcher, _) = await SubscribeAsync("realtime:c8", service, new { @event = "*", schema = "public", table = "notes", filter = "id=gte.700" });
        await using var w = watcher;
        var leave = await client.PushAsync("realtime:c7", "phx_leave", new { });
        await client.ReplyAsync("realtime:c7", leave);
        await fixture.Database.ExecuteAsync("INSERT INTO public.notes VALUES (700, 'after leave', 1)");
        await watcher.WaitForAsync(m => m.Event == "postgres_changes");
        await client.AssertNoneAsync(m => m.Event == "postgres_changes", TimeSpan.FromMilliseconds(100));
    }

    private static readonly string[] IdAndBody = ["id", "body"];
    private static readonly string[] IdAndNope = ["id", "nope"];

    [Fact]
    public async Task Select_sends_only_the_chosen_columns()
    {
        var service = TestTokens.For(null, "service_role");
        var (picky, _) = await SubscribeAsync("realtime:sel1", service, new { @event = "*", schema = "public", table = "notes", filter = "id=gte.800", select = IdAndBody });
        await using var _1 = picky;
        var (comma, _) = await SubscribeAsync("realtime:sel2", service, new { @event = "UPDATE", schema = "public", table = "notes", filter = "id=gte.800", select = "n, id" });
        await using var _2 = comma;
        var (all, _) = await SubscribeAsync("realtime:sel3", service, new { @event = "INSERT", schema = "public", table = "notes", filter = "id=gte.800" });
        await using var _3 = all;

        await fixture.Database.ExecuteAsync("INSERT INTO public.notes VALUES (800, 'chosen', 5)");
        var insert = (await picky.WaitForAsync(m => m.Event == "postgres_changes")).Payload!["data"]!;
        Assert.Equal("""{"id":800,"body":"chosen"}""", insert["record"]!.ToJsonString());
        Assert.Equal("""[{"name":"id","type":"int4"},{"name":"body","type":"text"}]""", insert["columns"]!.ToJsonString());
        Assert.Equal("""{"id":800,"body":"chosen","n":5}""", (await all.WaitForAsync(m => m.Event == "postgres_changes")).Payload!["data"]!["record"]!.ToJsonString());

        // REPLICA IDENTITY FULL: the old record is projected too.
        await fixture.Database.ExecuteAsync("UPDATE public.notes SET n = 6 WHERE id = 800");
        var update = (await comma.WaitForAsync(m => m.Event == "postgres_changes")).Payload!["data"]!;
        Assert.Equal("""{"id":800,"n":6}""", update["record"]!.ToJsonString());
        Assert.Equal("""{"id":800,"n":5}""", update["old_record"]!.ToJsonString());
        Assert.Equal("""{"id":800,"body":"chosen"}""", (await picky.WaitForAsync(m => m.Event == "postgres_changes")).Payload!["data"]!["record"]!.ToJsonString());

        // An unknown column is refused like an unknown filter column.
        await using var bad = await fixture.ConnectAsync();
        await bad.JoinAsync("realtime:sel4", Join(service, new { @event = "*", schema = "public", table = "notes", select = IdAndNope }));
        var error = await bad.WaitForAsync(m => m.Event == "system");
        Assert.Equal("error", error.Payload!["status"]!.GetValue<string>());
        Assert.EndsWith("Invalid column for select nope", error.Payload["message"]!.GetValue<string>());
    }
}
