using System.Text;
using System.Text.Json;
using Supacs.Realtime.Protocol;

namespace Supacs.Realtime.Tests.Protocol;

public sealed class PhoenixCodecTests
{
    [Fact]
    public void Decodes_v2_arrays_with_null_and_numeric_refs()
    {
        var m = PhoenixCodec.DecodeText("""[null,"5","phoenix","heartbeat",{}]"""u8, PhoenixVersion.V2, out var error);
        Assert.Null(error);
        Assert.Null(m!.JoinRef);
        Assert.Equal("5", m.Ref);
        Assert.Equal("phoenix", m.Topic);
        Assert.Equal("heartbeat", m.Event);
        Assert.Equal(JsonValueKind.Object, m.Payload.ValueKind);

        var numeric = PhoenixCodec.DecodeText("""[1,2,"realtime:a","phx_join",{"config":{}}]"""u8, PhoenixVersion.V2, out _);
        Assert.Equal("1", numeric!.JoinRef);
        Assert.Equal("2", numeric.Ref);
    }

    [Fact]
    public void Decodes_v1_objects()
    {
        var m = PhoenixCodec.DecodeText("""{"topic":"realtime:room","event":"phx_join","payload":{"a":1},"ref":"3","join_ref":"3"}"""u8, PhoenixVersion.V1, out _);
        Assert.Equal(("3", "3", "realtime:room", "phx_join"), (m!.JoinRef, m.Ref, m.Topic, m.Event));
        Assert.Equal(1, m.Payload.GetProperty("a").GetInt32());
    }

    [Theory]
    [InlineData("not json", "2.0.0")]
    [InlineData("""{"topic":"a","event":"b","payload":{},"ref":"1"}""", "2.0.0")]
    [InlineData("""[null,"1","a","b"]""", "2.0.0")]
    [InlineData("""[null,"1",5,"b",{}]""", "2.0.0")]
    [InlineData("""[null,"1","a","b",{}]""", "1.0.0")]
    [InlineData("""{"event":"b","payload":{}}""", "1.0.0")]
    public void Rejects_malformed_text_frames(string text, string vsn)
    {
        var m = PhoenixCodec.DecodeText(Encoding.UTF8.GetBytes(text), vsn == "2.0.0" ? PhoenixVersion.V2 : PhoenixVersion.V1, out var error);
        Assert.Null(m);
        Assert.NotNull(error);
    }

    [Fact]
    public void Encodes_v2_arrays_and_v1_objects_without_join_ref()
    {
        var v2 = PhoenixCodec.EncodeText(PhoenixVersion.V2, "1", null, "realtime:a", "system", """{"x":1}"""u8);
        Assert.Equal("""["1",null,"realtime:a","system",{"x":1}]""", Encoding.UTF8.GetString(v2));
        var v1 = PhoenixCodec.EncodeText(PhoenixVersion.V1, "1", "7", "realtime:a", "phx_close", "{}"u8);
        Assert.Equal("""{"topic":"realtime:a","event":"phx_close","payload":{},"ref":"7"}""", Encoding.UTF8.GetString(v1));
    }

    [Fact]
    public void Encodes_replies_with_status_and_response()
    {
        var ok = PhoenixCodec.EncodeReply(PhoenixVersion.V2, "1", "2", "realtime:a", true, """{"postgres_changes":[]}"""u8);
        Assert.Equal("""["1","2","realtime:a","phx_reply",{"status":"ok","response":{"postgres_changes":[]}}]""", Encoding.UTF8.GetString(ok));
        var err = PhoenixCodec.EncodeErrorReply(PhoenixVersion.V2, null, "3", "x", "unmatched topic");
        Assert.Equal("""[null,"3","x","phx_reply",{"status":"error","response":{"reason":"unmatched topic"}}]""", Encoding.UTF8.GetString(err));
    }

    private static byte[] Kind3(string joinRef, string @ref, string topic, string ev, string meta, byte encoding, byte[] payload)
    {
        var parts = new[] { joinRef, @ref, topic, ev, meta }.Select(Encoding.UTF8.GetBytes).ToArray();
        return [3, .. parts.Select(p => (byte)p.Length), encoding, .. parts.SelectMany(p => p), .. payload];
    }

    [Fact]
    public void Decodes_kind_3_user_broadcast_push_with_multibyte_strings()
    {
        var frame = Kind3("1", "2", "realtime:salle-é", "curseur✓", "", 1, """{"x":1}"""u8.ToArray());
        var m = PhoenixCodec.DecodeBinary(frame, out var error);
        Assert.Null(error);
        Assert.Equal(("1", "2", "realtime:salle-é", "broadcast"), (m!.JoinRef, m.Ref, m.Topic, m.Event));
        Assert.Equal("curseur✓", m.Binary!.UserEvent);
        Assert.Equal(BroadcastEncoding.Json, m.Binary.Encoding);
        Assert.Equal("""{"x":1}""", Encoding.UTF8.GetString(m.Binary.Payload.Span));

        var raw = PhoenixCodec.DecodeBinary(Kind3("", "", "realtime:a", "bin", """{"persist":true}""", 0, [0, 255, 7]), out _);
        Assert.Null(raw!.JoinRef);
        Assert.Equal(BroadcastEncoding.Binary, raw.Binary!.Encoding);
        Assert.Equal("""{"persist":true}""", raw.Binary.Metadata);
        Assert.Equal(new byte[] { 0, 255, 7 }, raw.Binary.Payload.ToArray());
    }

    [Fact]
    public void Rejects_malformed_binary_frames()
    {
        Assert.Null(PhoenixCodec.DecodeBinary(new byte[] { 3, 1 }, out var e1));
        Assert.NotNull(e1);
        Assert.Null(PhoenixCodec.DecodeBinary(new byte[] { 4, 0, 0, 0, 0, 0, 1 }, out var e2));
        Assert.Contains("kind", e2);
        Assert.Null(PhoenixCodec.DecodeBinary(new byte[] { 3, 50, 0, 0, 0, 0, 1, 65 }, out var e3));
        Assert.Contains("exceed", e3);
        Assert.Null(PhoenixCodec.DecodeBinary(Kind3("", "", "t", "e", "", 1, "{nope"u8.ToArray()), out var e4));
        Assert.Contains("JSON", e4);
        Assert.Null(PhoenixCodec.DecodeBinary(Kind3("", "", "t", "e", "", 9, []), out var e5));
        Assert.Contains("encoding", e5);
    }

    [Fact]
    public void Encodes_kind_4_user_broadcast()
    {
        var frame = PhoenixCodec.EncodeUserBroadcast("realtime:a", "ev", """{"id":"x"}"""u8, BroadcastEncoding.Json, """{"n":1}"""u8);
        Assert.Equal(new byte[] { 4, 10, 2, 10, 1 }, frame[..5]);
        Assert.Equal("""realtime:aev{"id":"x"}{"n":1}""", Encoding.UTF8.GetString(frame[5..]));
    }
}
