using Supacs.Testing;

namespace Supacs.Realtime.Tests.Channels;

/// <summary>A project with <c>private_only = true</c> and a read policy for topic <c>room-1</c>.</summary>
public sealed class PrivateOnlyFixture : RealtimeFixture
{
    protected override string? ConfigToml => "[realtime]\nprivate_only = true\n";

    protected override Task SetUpAsync(TestDatabase database) => database.ExecuteAsync("""
        CREATE POLICY room_read ON realtime.messages FOR SELECT TO authenticated
          USING (realtime.topic() = 'room-1' AND extension IN ('broadcast', 'presence'));
        """);
}

/// <summary><c>private_only</c>: public joins are refused with upstream's reason; private ones go through their policies.</summary>
public sealed class PrivateOnlyTests(PrivateOnlyFixture fixture) : IClassFixture<PrivateOnlyFixture>
{
    [Fact]
    public async Task Public_joins_are_refused_and_private_ones_are_authorised()
    {
        await using var client = await fixture.ConnectAsync();
        var r = await client.PushAsync("realtime:room-1", "phx_join", new { config = new { @private = false }, access_token = TestTokens.For(Guid.NewGuid().ToString()) }, "1", "1");
        var refused = await client.ReplyAsync("realtime:room-1", r);
        Assert.Equal("error", refused.Payload!["status"]!.GetValue<string>());
        Assert.Equal("PrivateOnly: This project only allows private channels", refused.Payload!["response"]!["reason"]!.GetValue<string>());

        // Legacy joins (no config) are public too.
        var legacy = await client.PushAsync("realtime:public:todos", "phx_join", new { }, "2", "2");
        Assert.Equal("PrivateOnly: This project only allows private channels",
            (await client.ReplyAsync("realtime:public:todos", legacy)).Payload!["response"]!["reason"]!.GetValue<string>());

        var (_, joined) = await client.JoinAsync("realtime:room-1", new { config = new { @private = true }, access_token = TestTokens.For(Guid.NewGuid().ToString()) });
        Assert.Equal("ok", joined["status"]!.GetValue<string>());
    }
}
