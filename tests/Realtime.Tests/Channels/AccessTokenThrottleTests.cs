using System.Diagnostics;
using Supacs.Testing;

namespace Supacs.Realtime.Tests.Channels;

public sealed class AccessTokenThrottleFixture : RealtimeFixture
{
    protected override string? ConfigToml => """
        [realtime]
        access_token_throttle_ms = 1500
        """;

    protected override Task SetUpAsync(TestDatabase database) => database.ExecuteAsync("""
        CREATE POLICY signed_in_read ON realtime.messages FOR SELECT TO authenticated
          USING (realtime.topic() LIKE 'tok-%' AND extension IN ('broadcast', 'presence'));
        """);
}

/// <summary>Upstream's access_token throttle: one applied refresh per window per channel; later ones wait for the window.</summary>
public sealed class AccessTokenThrottleTests(AccessTokenThrottleFixture fixture) : IClassFixture<AccessTokenThrottleFixture>
{
    private static object Join(string token) => new { config = new { @private = true }, access_token = token };

    [Fact]
    public async Task The_first_refresh_applies_at_once_a_second_one_waits_for_the_window()
    {
        await using var client = await fixture.ConnectAsync();
        var anon = fixture.Host.Project.Keys.AnonKey;
        // First refresh of a channel: applied at once (anon cannot read the private topic, so the channel closes).
        var (ref1, _) = await client.JoinAsync("realtime:tok-1", Join(TestTokens.For(Guid.NewGuid().ToString())));
        await client.PushAsync("realtime:tok-1", "access_token", new { access_token = anon }, ref1);
        Assert.Equal("You no longer have permission to read from this Channel topic: tok-1",
            (await client.WaitForAsync(m => m.Event == "system" && m.Topic == "realtime:tok-1", TimeSpan.FromSeconds(1))).Payload!["message"]!.GetValue<string>());

        // A valid refresh opens the window; the next one inside it is held until the window closes.
        var (ref2, _) = await client.JoinAsync("realtime:tok-2", Join(TestTokens.For(Guid.NewGuid().ToString())));
        await client.PushAsync("realtime:tok-2", "access_token", new { access_token = TestTokens.For(Guid.NewGuid().ToString()) }, ref2);
        var clock = Stopwatch.StartNew();
        await client.PushAsync("realtime:tok-2", "access_token", new { access_token = anon }, ref2);
        await client.AssertNoneAsync(m => m.Event == "system" && m.Topic == "realtime:tok-2", TimeSpan.FromMilliseconds(900));
        var closed = await client.WaitForAsync(m => m.Event == "system" && m.Topic == "realtime:tok-2", TimeSpan.FromSeconds(5));
        Assert.Equal("You no longer have permission to read from this Channel topic: tok-2", closed.Payload!["message"]!.GetValue<string>());
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.2), TimeSpan.FromSeconds(5));
    }
}
