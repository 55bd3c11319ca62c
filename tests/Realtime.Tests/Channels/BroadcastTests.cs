namespace Supacs.Realtime.Tests.Channels;

/// <summary>Client-to-client broadcast across both serializers, with self and ack, and the public/private split.</summary>
public sealed class BroadcastTests(RealtimeFixture fixture) : IClassFixture<RealtimeFixture>
{
    private static object Config(bool self = false, bool ack = false, bool @private = false) =>
        new { config = new { broadcast = new { self, ack }, presence = new { key = "" }, postgres_changes = Array.Empty<object>(), @private } };

    [Fact]
    public async Task V2_binary_push_reaches_v2_as_kind_4_and_v1_as_json()
    {
        await using var sender = await fixture.ConnectAsync("2.0.0");
        await using var v2 = await fixture.ConnectAsync("2.0.0");
        await using var v1 = await fixture.ConnectAsync("1.0.0");
        var (joinRef, _) = await sender.JoinAsync("realtime:b1", Config());
        await v2.JoinAsync("realtime:b1", Config());
        await v1.JoinAsync("realtime:b1", Config());

        await sender.BroadcastBinaryAsync("realtime:b1", joinRef, "cursor", """{"x":1,"s":"é"}""");
        var got2 = await v2.WaitForAsync(m => m.Event == "broadcast");
        Assert.True(got2.Binary);
        Assert.Equal("realtime:b1", got2.Topic);
        Assert.Equal("""{"type":"broadcast","event":"cursor","payload":{"x":1,"s":"é"}}""", got2.Payload!.ToJsonString(new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        var got1 = await v1.WaitForAsync(m => m.Event == "broadcast");
        Assert.False(got1.Binary);
        Assert.Equal("cursor", got1.Payload!["event"]!.GetValue<string>());
        Assert.Equal(1, got1.Payload["payload"]!["x"]!.GetValue<int>());
        // Without self the sender does not get its own message.
        await sender.BarrierAsync();
        await sender.AssertNoneAsync(m => m.Event == "broadcast");
    }

    [Fact]
    public async Task V1_json_push_reaches_v2_and_self_and_ack_work()
    {
        await using var sender = await fixture.ConnectAsync("1.0.0");
        await using var v2 = await fixture.ConnectAsync("2.0.0");
        var (joinRef, _) = await sender.JoinAsync("realtime:b2", Config(self: true, ack: true));
        await v2.JoinAsync("realtime:b2", Config());

        var r = await sender.PushAsync("realtime:b2", "broadcast", new { type = "broadcast", @event = "msg", payload = new { n = 7 } }, joinRef);
        var ack = await sender.ReplyAsync("realtime:b2", r);
        Assert.Equal("""{"status":"ok","response":{}}""", ack.Payload!.ToJsonString());
        var own = await sender.WaitForAsync(m => m.Event == "broadcast");
        Assert.Equal(7, own.Payload!["payload"]!["n"]!.GetValue<int>());
        var other = await v2.WaitForAsync(m => m.Event == "broadcast");
        Assert.Equal("msg", other.Payload!["event"]!.GetValue<string>());
        Assert.Equal(7, other.Payload["payload"]!["n"]!.GetValue<int>());
    }

    [Fact]
    public async Task Binary_push_with_ack_gets_a_reply_with_both_refs()
    {
        await using var sender = await fixture.ConnectAsync("2.0.0");
        var (joinRef, _) = await sender.JoinAsync("realtime:b3", Config(self: true, ack: true));
        var r = await sender.BroadcastBinaryAsync("realtime:b3", joinRef, "e", "{}");
        var ack = await sender.ReplyAsync("realtime:b3", r);
        Assert.Equal(joinRef, ack.JoinRef);
        await sender.WaitForAsync(m => m.Event == "broadcast");
    }

    [Fact]
    public async Task Other_topics_do_not_receive_the_message()
    {
        await using var sender = await fixture.ConnectAsync();
        await using var other = await fixture.ConnectAsync();
        var (joinRef, _) = await sender.JoinAsync("realtime:b4", Config(self: true));
        await other.JoinAsync("realtime:b5", Config());
        await sender.BroadcastBinaryAsync("realtime:b4", joinRef, "e", "{}");
        await sender.WaitForAsync(m => m.Event == "broadcast");
        await other.BarrierAsync();
        await other.AssertNoneAsync(m => m.Event == "broadcast");
    }

    [Fact]
    public async Task Oversize_payload_with_ack_gets_payload_size_exceeded()
    {
        await using var sender = await fixture.ConnectAsync("1.0.0");
        var (joinRef, _) = await sender.JoinAsync("realtime:b6", Config(self: true, ack: true));
        var big = new string('x', 3001 * 1024);
        var r = await sender.PushAsync("realtime:b6", "broadcast", new { type = "broadcast", @event = "e", payload = new { big } }, joinRef);
        var reply = await sender.ReplyAsync("realtime:b6", r);
        Assert.Equal("payload_size_exceeded", reply.Payload!["response"]!["reason"]!.GetValue<string>());
        await sender.AssertNoneAsync(m => m.Event == "broadcast");
    }
}
