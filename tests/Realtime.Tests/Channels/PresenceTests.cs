namespace Supacs.Realtime.Tests.Channels;

/// <summary>Presence track/untrack, presence_state for late joiners, diffs with phx_ref, cleanup when a socket dies.</summary>
public sealed class PresenceTests(RealtimeFixture fixture) : IClassFixture<RealtimeFixture>
{
    private static object Config(string key, bool enabled = true) =>
        new { config = new { broadcast = new { self = false }, presence = new { key, enabled } } };

    [Fact]
    public async Task Track_is_diffed_to_everyone_and_late_joiners_get_the_state()
    {
        await using var alice = await fixture.ConnectAsync("2.0.0");
        await using var bob = await fixture.ConnectAsync("1.0.0");
        var (aliceRef, _) = await alice.JoinAsync("realtime:p1", Config("alice"));
        var emptyState = await alice.WaitForAsync(m => m.Event == "presence_state");
        Assert.Equal("{}", emptyState.Payload!.ToJsonString());
        Assert.Equal(aliceRef, emptyState.JoinRef);

        var r = await alice.PushAsync("realtime:p1", "presence", new { type = "presence", @event = "track", payload = new { status = "online" } }, aliceRef);
        await alice.ReplyAsync("realtime:p1", r);
        var ownDiff = await alice.WaitForAsync(m => m.Event == "presence_diff");
        var meta = ownDiff.Payload!["joins"]!["alice"]!["metas"]![0]!;
        Assert.Equal("online", meta["status"]!.GetValue<string>());
        var phxRef = meta["phx_ref"]!.GetValue<string>();
        Assert.False(string.IsNullOrEmpty(phxRef));

        await bob.JoinAsync("realtime:p1", Config("bob"));
        var state = await bob.WaitForAsync(m => m.Event == "presence_state");
        Assert.Equal(phxRef, state.Payload!["alice"]!["metas"]![0]!["phx_ref"]!.GetValue<string>());

        // An update is a join and a leave in one diff, with phx_ref_prev.
        r = await alice.PushAsync("realtime:p1", "presence", new { type = "presence", @event = "track", payload = new { status = "away" } }, aliceRef);
        var update = await bob.WaitForAsync(m => m.Event == "presence_diff");
        Assert.Equal("away", update.Payload!["joins"]!["alice"]!["metas"]![0]!["status"]!.GetValue<string>());
        Assert.Equal(phxRef, update.Payload["joins"]!["alice"]!["metas"]![0]!["phx_ref_prev"]!.GetValue<string>());
        Assert.Equal(phxRef, update.Payload["leaves"]!["alice"]!["metas"]![0]!["phx_ref"]!.GetValue<string>());

        r = await alice.PushAsync("realtime:p1", "presence", new { type = "presence", @event = "untrack" }, aliceRef);
        var leave = await bob.WaitForAsync(m => m.Event == "presence_diff");
        Assert.Equal("away", leave.Payload!["leaves"]!["alice"]!["metas"]![0]!["status"]!.GetValue<string>());
        Assert.Equal("{}", leave.Payload["joins"]!.ToJsonString());
    }

    [Fact]
    public async Task Socket_death_sends_a_leave_diff()
    {
        await using var bob = await fixture.ConnectAsync();
        var alice = await fixture.ConnectAsync();
        var (aliceRef, _) = await alice.JoinAsync("realtime:p2", Config("alice"));
        await bob.JoinAsync("realtime:p2", Config("bob"));
        await alice.PushAsync("realtime:p2", "presence", new { type = "presence", @event = "track", payload = new { n = 1 } }, aliceRef);
        await bob.WaitForAsync(m => m.Event == "presence_diff" && m.Payload!["joins"]!["alice"] is not null);
        await alice.DisposeAsync();
        var leave = await bob.WaitForAsync(m => m.Event == "presence_diff" && m.Payload!["leaves"]!["alice"] is not null);
        Assert.Equal(1, leave.Payload!["leaves"]!["alice"]!["metas"]![0]!["n"]!.GetValue<int>());
    }

    [Fact]
    public async Task Non_map_track_payload_is_refused()
    {
        await using var alice = await fixture.ConnectAsync();
        var (aliceRef, _) = await alice.JoinAsync("realtime:p3", Config("alice"));
        var r = await alice.PushAsync("realtime:p3", "presence", new { type = "presence", @event = "track", payload = 5 }, aliceRef);
        var reply = await alice.ReplyAsync("realtime:p3", r);
        Assert.Equal("Presence track payload must be a map", reply.Payload!["response"]!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Presence_disabled_channels_get_no_state_until_they_track()
    {
        await using var alice = await fixture.ConnectAsync();
        var (aliceRef, _) = await alice.JoinAsync("realtime:p4", Config("alice", enabled: false));
        await alice.BarrierAsync();
        await alice.AssertNoneAsync(m => m.Event == "presence_state");
        await alice.PushAsync("realtime:p4", "presence", new { type = "presence", @event = "track", payload = new { } }, aliceRef);
        await alice.WaitForAsync(m => m.Event == "presence_state");
        await alice.WaitForAsync(m => m.Event == "presence_diff");
    }
}
