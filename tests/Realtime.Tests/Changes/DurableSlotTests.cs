using Supacs.Testing;

namespace Supacs.Realtime.Tests.Changes;

public sealed class DurableFixture : RealtimeFixture
{
    public const string Config = """
        [realtime]
        durable_slot = true
        durable_replay_delay_ms = 1500
        """;

    protected override string? ConfigToml => Config;

    protected override Task SetUpAsync(TestDatabase database) => database.ExecuteAsync("""
        CREATE TABLE public.events (id int PRIMARY KEY, body text);
        ALTER PUBLICATION supabase_realtime ADD TABLE public.events;
        """);
}

/// <summary>With <c>durable_slot</c>, changes committed while Supacs was down reach subscribers that rejoin after the restart.</summary>
public sealed class DurableSlotTests(DurableFixture fixture) : IClassFixture<DurableFixture>
{
    private static object Join() => new
    {
        config = new { postgres_changes = new[] { new { @event = "INSERT", schema = "public", table = "events" } } },
        access_token = TestTokens.For(null, "service_role"),
    };

    [Fact]
    public async Task Changes_committed_while_down_are_delivered_after_restart()
    {
        var slot = await fixture.Database.ScalarAsync<string>("SELECT 'supacs_realtime_' || substr(md5(current_database()), 1, 16)");
        try
        {
            // The fixture's host is node "before": subscribe, receive, then stop it.
            await using (var client = await fixture.ConnectAsync())
            {
                await client.JoinAsync("realtime:durable", Join());
                await client.WaitForAsync(m => m.Event == "system");
                await fixture.Database.ExecuteAsync("INSERT INTO public.events VALUES (1, 'live')");
                Assert.Equal(1, (await client.WaitForAsync(m => m.Event == "postgres_changes")).Payload!["data"]!["record"]!["id"]!.GetValue<int>());
            }
            await fixture.StopHostAsync();
            Assert.Equal(1L, await fixture.Database.ScalarAsync<long>($"SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{slot}' AND NOT active"));

            await fixture.Database.ExecuteAsync("INSERT INTO public.events VALUES (2, 'while down')");

            await using var restarted = await SupacsTestHost.StartAsync(fixture.Database, s => s.AddSupacsRealtime(), app => app.MapSupacsRealtime(), DurableFixture.Config);
            await using var again = await PhoenixTestClient.ConnectAsync(restarted.BaseAddress, restarted.Project.Keys.AnonKey, "2.0.0");
            await again.JoinAsync("realtime:durable", Join());
            // Delivery is at-least-once: the change delivered just before the stop may be replayed too.
            var missed = await again.WaitForAsync(m => m.Event == "postgres_changes" && m.Payload!["data"]!["record"]!["body"]!.GetValue<string>() != "live");
            Assert.Equal("while down", missed.Payload!["data"]!["record"]!["body"]!.GetValue<string>());
        }
        finally
        {
            // A database with a replication slot cannot be dropped.
            await fixture.Database.ExecuteAsync($"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '{slot}' AND NOT active");
        }
    }
}

/// <summary>Two nodes with <c>durable_slot</c>: the lock holder streams the permanent slot.</summary>
public sealed class DurableClusterFixture : Channels.TwoNodeFixture
{
    protected override string? ConfigToml => """
        [realtime]
        durable_slot = true
        durable_replay_delay_ms = 300
        """;

    protected override async Task SetUpAsync(TestDatabase database)
    {
        await database.ExecuteAsync("""
            CREATE TABLE public.events (id int PRIMARY KEY, body text);
            ALTER PUBLICATION supabase_realtime ADD TABLE public.events;
            """);
        await base.SetUpAsync(database);
    }
}

/// <summary>With a durable slot, a node taking over the slot resumes it: a change committed while no node streamed is not lost.</summary>
public sealed class DurableFailoverTests(DurableClusterFixture fixture) : IClassFixture<DurableClusterFixture>
{
    private static object Join() => new
    {
        config = new { postgres_changes = new[] { new { @event = "INSERT", schema = "public", table = "events" } } },
        access_token = TestTokens.For(null, "service_role"),
    };

    [Fact]
    public async Task A_change_committed_during_failover_reaches_the_other_nodes_subscribers()
    {
        var slot = await fixture.Database.ScalarAsync<string>("SELECT 'supacs_realtime_' || substr(md5(current_database()), 1, 16)");
        try
        {
            // The first node starts its pipeline first and takes the lock; a subscriber on the second node.
            await using (var onA = await fixture.ConnectAsync())
            {
                await onA.JoinAsync("realtime:a", Join());
                await onA.WaitForAsync(m => m.Event == "system", TimeSpan.FromSeconds(20));
            }
            await using var onB = await fixture.ConnectSecondAsync();
            await onB.JoinAsync("realtime:b", Join());
            await onB.WaitForAsync(m => m.Event == "system", TimeSpan.FromSeconds(20));
            var b = fixture.Second.Project.Features.OfType<Supacs.Realtime.Channels.RealtimeHub>().Single();
            Assert.False(b.Changes.IsLeader);
            await fixture.Database.ExecuteAsync("INSERT INTO public.events VALUES (1, 'before')");
            await onB.WaitForAsync(m => m.Event == "postgres_changes", TimeSpan.FromSeconds(20));

            // The leader stops; a change is committed before the second node has taken the slot over.
            await fixture.StopHostAsync();
            await fixture.Database.ExecuteAsync("INSERT INTO public.events VALUES (2, 'in the gap')");
            var missed = await onB.WaitForAsync(m => m.Event == "postgres_changes" && m.Payload!["data"]!["record"]!["body"]!.GetValue<string>() == "in the gap",
                TimeSpan.FromSeconds(30));
            Assert.Equal(2, missed.Payload!["data"]!["record"]!["id"]!.GetValue<int>());
            Assert.True(b.Changes.IsLeader);
        }
        finally
        {
            await fixture.StopSecondAsync();
            await fixture.Database.ExecuteAsync($"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '{slot}' AND NOT active");
        }
    }
}
