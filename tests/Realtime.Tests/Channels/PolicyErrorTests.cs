using Supacs.Testing;

namespace Supacs.Realtime.Tests.Channels;

public sealed class PolicyErrorFixture : RealtimeFixture
{
    protected override Task SetUpAsync(TestDatabase database) => database.ExecuteAsync("""
        CREATE POLICY fragile_read ON realtime.messages FOR SELECT TO authenticated
          USING (CASE WHEN realtime.topic() = 'boom' THEN (realtime.topic())::int = 1 ELSE realtime.topic() = 'fine' END);
        CREATE POLICY fragile_write ON realtime.messages FOR INSERT TO authenticated
          WITH CHECK (CASE WHEN realtime.topic() = 'fine' AND extension = 'broadcast' THEN (realtime.topic())::uuid IS NOT NULL ELSE false END);
        """);
}

/// <summary>A policy that raises an error is upstream's RlsPolicyError: no access, and the socket carries on.</summary>
public sealed class PolicyErrorTests(PolicyErrorFixture fixture) : IClassFixture<PolicyErrorFixture>
{
    [Fact]
    public async Task A_policy_that_raises_refuses_access_without_ending_the_socket()
    {
        await using var client = await fixture.ConnectAsync();
        var token = TestTokens.For(Guid.NewGuid().ToString());
        var r = await client.PushAsync("realtime:boom", "phx_join", new { config = new { @private = true }, access_token = token }, "1", "1");
        Assert.Equal("Unauthorized: You do not have permissions to read from this Channel topic: boom",
            (await client.ReplyAsync("realtime:boom", r)).Payload!["response"]!["reason"]!.GetValue<string>());
        await client.BarrierAsync();

        // The write policy raises too (the topic is no uuid): the broadcast is refused, the socket stays.
        var (joinRef, _) = await client.JoinAsync("realtime:fine", new { config = new { @private = true, broadcast = new { ack = true } }, access_token = token });
        var b = await client.PushAsync("realtime:fine", "broadcast", new { type = "broadcast", @event = "e", payload = new { } }, joinRef);
        Assert.Equal("Unauthorized: You do not have permissions to write to this Channel topic: fine",
            (await client.ReplyAsync("realtime:fine", b)).Payload!["response"]!["reason"]!.GetValue<string>());
        await client.BarrierAsync();
    }
}
