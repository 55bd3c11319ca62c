using Supacs.Realtime.Channels;
using Supacs.Testing;

namespace Supacs.Realtime.Tests.Channels;

/// <summary>Two Supacs hosts (nodes) over one database.</summary>
public class TwoNodeFixture : RealtimeFixture, IAsyncLifetime
{
    private SupacsTestHost? _second;

    public SupacsTestHost Second => _second ?? throw new InvalidOperationException("Not started.");

    protected override async Task SetUpAsync(TestDatabase database)
    {
        await base.SetUpAsync(database);
        _second = await SupacsTestHost.StartAsync(database, s => s.AddSupacsRealtime(), app => app.MapSupacsRealtime(), ConfigToml);
    }

    public Task<PhoenixTestClient> ConnectSecondAsync(string vsn = "2.0.0") =>
        PhoenixTestClient.ConnectAsync(Second.BaseAddress, Second.Project.Keys.AnonKey, vsn);

    /// <summary>Stops the second node (its hub says goodbye on the backplane).</summary>
    public async Task StopSecondAsync()
    {
        if (_second is null) return;
        await _second.DisposeAsync();
        _second = null;
    }

    public new async Task DisposeAsync()
    {
        await StopSecondAsync();
        await base.DisposeAsync();
    }
}

/// <summary>Broadcast and presence reach clients connected to another node through the LISTEN/NOTIFY backplane.</summary>
public sealed class BackplaneTests(TwoNodeFixture fixture) : IClassFixture<TwoNodeFixture>
{
    private static object Config(string key = "") => new { config = new { broadcast = new { self = false }, presence = new { key, enabled = true } } };

    private static RealtimeHub Hub(SupacsTestHost host) => host.Project.Features.OfType<RealtimeHub>().Single();

    /// <summary>Both nodes know each other (announcements are async).</summary>
    private async Task PeersAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!(Hub(fixture.Host).Backplane.HasPeers && Hub(fixture.Second).Backplane.HasPeers))
            await Task.Delay(20, cts.Token);
    }

    [Fact]
    public async Task Broadcast_presence_and_node_shutdown_cross_nodes()
    {
        await using var onA = await fixture.ConnectAsync("2.0.0");
        await using var onB = await fixture.ConnectSecondAsync("1.0.0");
        var (aRef, _) = await onA.JoinAsync("realtime:cluster", Config("alice"));
        var (bRef, _) = await onB.JoinAsync("realtime:cluster", Config("bob"));
        await PeersAsync();

        // Broadcast both ways, including a payload too big for one NOTIFY.
        await onA.BroadcastBinaryAsync("realtime:cluster", aRef, "hello", """{"from":"a"}""");
        Assert.Equal("a", (await onB.WaitForAsync(m => m.Event == "broadcast")).Payload!["payload"]!["from"]!.GetValue<string>());
        var big = new string('x', 20_000);
        await onB.PushAsync("realtime:cluster", "broadcast", new { type = "broadcast", @event = "big", payload = new { big } }, bRef);
        Assert.Equal(20_000, (await onA.WaitForAsync(m => m.Event == "broadcast")).Payload!["payload"]!["big"]!.GetValue<string>().Length);

        // Presence: bob (node B) tracks; alice (node A) gets the diff; a late joiner on A gets bob in its state.
        await onB.PushAsync("realtime:cluster", "presence", new { type = "presence", @event = "track", payload = new { status = "here" } }, bRef);
        var diff = await onA.WaitForAsync(m => m.Event == "presence_diff" && m.Payload!["joins"]!["bob"] is not null);
        Assert.Equal("here", diff.Payload!["joins"]!["bob"]!["metas"]![0]!["status"]!.GetValue<string>());
        await using (var late = await fixture.ConnectAsync())
        {
            await late.JoinAsync("realtime:cluster", Config("carol"));
            var state = await late.WaitForAsync(m => m.Event == "presence_state");
            Assert.Equal("here", state.Payload!["bob"]!["metas"]![0]!["status"]!.GetValue<string>());
        }

        // Node B stops: its presence leaves on node A.
        await onB.DisposeAsync();
        await fixture.StopSecondAsync();
        var leave = await onA.WaitForAsync(m => m.Event == "presence_diff" && m.Payload!["leaves"]!["bob"] is not null);
        Assert.Equal("here", leave.Payload!["leaves"]!["bob"]!["metas"]![0]!["status"]!.GetValue<string>());
    }
}
