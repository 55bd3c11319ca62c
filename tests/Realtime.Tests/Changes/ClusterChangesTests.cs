using System.Text.Json;
using Supacs.Realtime.Changes;
using Supacs.Realtime.Channels;
using Supacs.Realtime.Tests.Channels;
using Supacs.Testing;

namespace Supacs.Realtime.Tests.Changes;

/// <summary>Two nodes on one database with an RLS table in the publication.</summary>
public sealed class ClusterChangesFixture : TwoNodeFixture
{
    protected override async Task SetUpAsync(TestDatabase database)
    {
        await database.ExecuteAsync("""
            CREATE TABLE public.items (id bigserial PRIMARY KEY, user_id uuid NOT NULL, title text);
            ALTER TABLE public.items ENABLE ROW LEVEL SECURITY;
            CREATE POLICY own_items ON public.items FOR SELECT TO authenticated USING (auth.uid() = user_id);
            GRANT ALL ON public.items TO authenticated;
            ALTER PUBLICATION supabase_realtime ADD TABLE public.items;
            """);
        await base.SetUpAsync(database);
    }
}

/// <summary>
/// Several nodes on one database: exactly one holds the replication lock and streams the slot; its transactions reach the
/// subscribers of every node (RLS decided on the subscriber's node); when it stops, another node takes the slot over.
/// </summary>
public sealed class ClusterChangesTests(ClusterChangesFixture fixture) : IClassFixture<ClusterChangesFixture>
{
    private static readonly Guid Alice = Guid.Parse("aaaaaaaa-0000-0000-0000-00000000000a");
    private static readonly Guid Bob = Guid.Parse("bbbbbbbb-0000-0000-0000-00000000000b");

    private static object Join(Guid user) => new
    {
        config = new { broadcast = new { self = false }, presence = new { key = "" }, postgres_changes = new[] { new { @event = "INSERT", schema = "public", table = "items" } } },
        access_token = TestTokens.For(user.ToString()),
    };

    private static RealtimeHub Hub(SupacsTestHost host) => host.Project.Features.OfType<RealtimeHub>().Single();

    private static async Task<PhoenixTestClient> SubscribeAsync(Task<PhoenixTestClient> connecting, string topic, Guid user)
    {
        var client = await connecting;
        await client.JoinAsync(topic, Join(user));
        var system = await client.WaitForAsync(m => m.Event == "system", TimeSpan.FromSeconds(20));
        Assert.Equal("Subscribed to PostgreSQL", system.Payload!["message"]!.GetValue<string>());
        return client;
    }

    private Task InsertAsync(Guid user, string title) =>
        fixture.Database.ExecuteAsync($"INSERT INTO public.items (user_id, title) VALUES ('{user}', '{title}')");

    private Task<long> SlotsAsync() => fixture.Database.ScalarAsync<long>(
        "SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE 'supacs_realtime_%' AND database = current_database()");

    private static async Task UntilAsync(Func<bool> condition, string what)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!condition())
        {
            if (cts.IsCancellationRequested) Assert.Fail("timed out waiting until " + what);
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task One_node_streams_the_slot_for_all_and_another_takes_over_when_it_stops()
    {
        await using var aliceOnA = await SubscribeAsync(fixture.ConnectAsync(), "realtime:items-a", Alice);
        await using var aliceOnB = await SubscribeAsync(fixture.ConnectSecondAsync(), "realtime:items-b", Alice);
        await using var bobOnB = await SubscribeAsync(fixture.ConnectSecondAsync("1.0.0"), "realtime:items-b2", Bob);
        var a = Hub(fixture.Host);
        var b = Hub(fixture.Second);

        // Exactly one leader, exactly one slot for the database.
        await UntilAsync(() => a.Changes.IsLeader != b.Changes.IsLeader, "exactly one node leads");
        Assert.True(a.Changes.IsLeader, "the first node to start its pipeline takes the lock");
        Assert.Equal(1, await SlotsAsync());

        // A change reaches subscribers on both nodes; RLS is decided on the follower for its subscribers.
        await InsertAsync(Alice, "first");
        Assert.Equal("first", (await aliceOnA.WaitForAsync(m => m.Event == "postgres_changes")).Payload!["data"]!["record"]!["title"]!.GetValue<string>());
        Assert.Equal("first", (await aliceOnB.WaitForAsync(m => m.Event == "postgres_changes")).Payload!["data"]!["record"]!["title"]!.GetValue<string>());
        await InsertAsync(Bob, "for bob");
        Assert.Equal("for bob", (await bobOnB.WaitForAsync(m => m.Event == "postgres_changes")).Payload!["data"]!["record"]!["title"]!.GetValue<string>());
        await bobOnB.AssertNoneAsync(m => m.Event == "postgres_changes" && m.Payload!["data"]!["record"]!["title"]!.GetValue<string>() == "first", TimeSpan.Zero);
        await aliceOnB.AssertNoneAsync(m => m.Event == "postgres_changes" && m.Payload!["data"]!["record"]!["title"]!.GetValue<string>() == "for bob", TimeSpan.FromMilliseconds(300));

        // The leader stops: the other node takes the lock, creates its slot, and its subscribers keep receiving.
        await aliceOnA.DisposeAsync();
        await fixture.StopHostAsync();
        await UntilAsync(() => b.Changes.IsLeaderLive, "the second node streams the slot");
        await UntilAsync(() => SlotsAsync().GetAwaiter().GetResult() == 1, "one slot remains");
        await InsertAsync(Alice, "after failover");
        Assert.Equal("after failover", (await aliceOnB.WaitForAsync(m => m.Event == "postgres_changes" &&
            m.Payload!["data"]!["record"]!["title"]!.GetValue<string>() == "after failover")).Payload!["data"]!["record"]!["title"]!.GetValue<string>());
        await bobOnB.AssertNoneAsync(m => m.Event == "postgres_changes" && m.Payload!["data"]!["record"]!["title"]!.GetValue<string>() == "after failover", TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void A_transaction_crosses_the_wire_unchanged()
    {
        var relation = new RelationInfo(42, "public", "t\"q", [new ColumnInfo("id", "int8", "bigint"), new ColumnInfo("body", "text", "text"), new ColumnInfo("j", "jsonb", "jsonb")], [0]);
        var tx = new CommittedTransaction(new DateTime(2026, 11, 24, 5, 0, 0, 123, DateTimeKind.Utc), [
            new RowChange(relation, "INSERT", ["1", null, "{\"a\":\"é\"}"], [false, false, false], null, null),
            new RowChange(relation, "UPDATE", ["1", null, "[]"], [false, true, false], ["1", null, null], [false, true, true]),
            new RowChange(relation, "DELETE", null, null, ["1", null, null], [false, true, true]),
        ]);
        var body = TransactionWire.Write(tx, "node", "x");
        using var doc = JsonDocument.Parse(body);
        var back = TransactionWire.Read(doc.RootElement);
        Assert.Equal(tx.CommitTimestamp, back.CommitTimestamp);
        Assert.Equal(3, back.Changes.Count);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(tx.Changes[i].Type, back.Changes[i].Type);
            Assert.Equal(tx.Changes[i].New, back.Changes[i].New);
            Assert.Equal(tx.Changes[i].NewMissing, back.Changes[i].NewMissing);
            Assert.Equal(tx.Changes[i].Old, back.Changes[i].Old);
            Assert.Equal(tx.Changes[i].OldMissing, back.Changes[i].OldMissing);
            Assert.Equal("t\"q", back.Changes[i].Relation.Table);
            Assert.Equal(relation.Columns, back.Changes[i].Relation.Columns);
            Assert.Equal([0], back.Changes[i].Relation.PrimaryKey);
        }
        Assert.Equal(PostgresChanges.EncodeData(tx.Changes[1], "ts"), PostgresChanges.EncodeData(back.Changes[1], "ts"));
    }
}
