using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Supacs.Realtime.Protocol;

/// <summary>
/// Phoenix frame codec for vsn 1.0.0 (<c>{topic, event, payload, ref, join_ref}</c>) and 2.0.0
/// (<c>[join_ref, ref, topic, event, payload]</c>, plus binary kind 3 in / kind 4 out). Pure: no host, no database.
/// </summary>
internal static class PhoenixCodec
{
    public const byte KindUserBroadcastPush = 3;
    public const byte KindUserBroadcast = 4;

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64 };
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    /// <summary>Decodes a text frame. Returns null with <paramref name="error"/> set when the frame is malformed.</summary>
    public static PhoenixMessage? DecodeText(ReadOnlySpan<byte> utf8, PhoenixVersion version, out string? error)
    {
        error = null;
        JsonDocument doc;
        try
        {
            var reader = new Utf8JsonReader(utf8, ReaderOptions);
            doc = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException e)
        {
            error = "malformed JSON: " + e.Message;
            return null;
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (version == PhoenixVersion.V2)
            {
                if (root.ValueKind != JsonValueKind.Array || root.GetArrayLength() != 5)
                {
                    error = "expected a [join_ref, ref, topic, event, payload] array";
                    return null;
                }
                var topic = StrictString(root[2]);
                var ev = StrictString(root[3]);
                if (topic is null || ev is null)
                {
                    error = "topic and event must be strings";
                    return null;
                }
                return new PhoenixMessage(AsString(root[0]), AsString(root[1]), topic, ev, root[4].Clone());
            }
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = "expected a {topic, event, payload, ref} object";
                return null;
            }
            var t = root.TryGetProperty("topic", out var tv) ? StrictString(tv) : null;
            var e2 = root.TryGetProperty("event", out var ev2) ? StrictString(ev2) : null;
            if (t is null || e2 is null)
            {
                error = "topic and event must be strings";
                return null;
            }
            var payload = root.TryGetProperty("payload", out var p) ? p.Clone() : default;
            return new PhoenixMessage(
                root.TryGetProperty("join_ref", out var jr) ? AsString(jr) : null,
                root.TryGetProperty("ref", out var r) ? AsString(r) : null,
                t, e2, payload);
        }
    }

    /// <summary>Decodes a binary frame: only kind 3 (user broadcast push) is accepted from clients.</summary>
    public static PhoenixMessage? DecodeBinary(ReadOnlyMemory<byte> frame, out string? error)
    {
        error = null;
        var span = frame.Span;
        if (span.Length < 7)
        {
            error = "binary frame too short";
            return null;
        }
        if (span[0] != KindUserBroadcastPush)
        {
            error = $"unsupported binary frame kind {span[0]}";
            return null;
        }
        int joinRefLen = span[1], refLen = span[2], topicLen = span[3], eventLen = span[4], metaLen = span[5];
        var encoding = span[6];
        if (encoding > 1)
        {
            error = $"unsupported payload encoding {encoding}";
            return null;
        }
        var offset = 7;
        if (offset + joinRefLen + refLen + topicLen + eventLen + metaLen > span.Length)
        {
            error = "binary frame lengths exceed the frame";
            return null;
        }
        try
        {
            var joinRef = ReadString(span, ref offset, joinRefLen);
            var @ref = ReadString(span, ref offset, refLen);
            var topic = ReadString(span, ref offset, topicLen);
            var ev = ReadString(span, ref offset, eventLen);
            var meta = ReadString(span, ref offset, metaLen);
            var payload = frame[offset..];
            if (encoding == (byte)BroadcastEncoding.Json && !IsJson(payload.Span))
            {
                error = "payload is not valid JSON";
                return null;
            }
            return new PhoenixMessage(joinRef.Length == 0 ? null : joinRef, @ref.Length == 0 ? null : @ref, topic, "broadcast", default,
                new UserBroadcastPush(ev, meta, (BroadcastEncoding)encoding, payload));
        }
        catch (DecoderFallbackException)
        {
            error = "invalid UTF-8 in frame header";
            return null;
        }
    }

    /// <summary>
    /// Encodes a JSON message. <paramref name="payloadJson"/> is written verbatim. V1 never carries join_ref
    /// (as Phoenix's V1 serializer), V2 is the five-element array.
    /// </summary>
    public static byte[] EncodeText(PhoenixVersion version, string? joinRef, string? @ref, string topic, string @event, ReadOnlySpan<byte> payloadJson)
    {
        var buffer = new ArrayBufferWriter<byte>(64 + payloadJson.Length + topic.Length);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            if (version == PhoenixVersion.V2)
            {
                w.WriteStartArray();
                WriteNullableString(w, joinRef);
                WriteNullableString(w, @ref);
                w.WriteStringValue(topic);
                w.WriteStringValue(@event);
                w.WriteRawValue(payloadJson, skipInputValidation: true);
                w.WriteEndArray();
            }
            else
            {
                w.WriteStartObject();
                w.WriteString("topic", topic);
                w.WriteString("event", @event);
                w.WritePropertyName("payload");
                w.WriteRawValue(payloadJson, skipInputValidation: true);
                w.WritePropertyName("ref");
                WriteNullableString(w, @ref);
                w.WriteEndObject();
            }
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// The bytes of a server push (null ref) before and after its payload, so a channel can frame many payloads with one
    /// copy each: V2 <c>["join_ref",null,"topic","event",</c> … <c>]</c>, V1 <c>{"topic":…,"event":…,"payload":</c> … <c>,"ref":null}</c>.
    /// Same bytes as <see cref="EncodeText"/>.
    /// </summary>
    public static (byte[] Prefix, byte[] Suffix) EncodePushFrame(PhoenixVersion version, string? joinRef, string topic, string @event)
    {
        var buffer = new ArrayBufferWriter<byte>(64 + topic.Length);
        if (version == PhoenixVersion.V2)
        {
            buffer.Write("["u8);
            WriteJsonString(buffer, joinRef);
            buffer.Write(",null,"u8);
            WriteJsonString(buffer, topic);
            buffer.Write(","u8);
            WriteJsonString(buffer, @event);
            buffer.Write(","u8);
            return (buffer.WrittenSpan.ToArray(), "]"u8.ToArray());
        }
        buffer.Write("{\"topic\":"u8);
        WriteJsonString(buffer, topic);
        buffer.Write(",\"event\":"u8);
        WriteJsonString(buffer, @event);
        buffer.Write(",\"payload\":"u8);
        return (buffer.WrittenSpan.ToArray(), ",\"ref\":null}"u8.ToArray());
    }

    private static void WriteJsonString(ArrayBufferWriter<byte> buffer, string? value)
    {
        if (value is null)
        {
            buffer.Write("null"u8);
            return;
        }
        buffer.Write("\""u8);
        buffer.Write(JsonEncodedText.Encode(value).EncodedUtf8Bytes);
        buffer.Write("\""u8);
    }

    /// <summary>A <c>phx_reply</c> with <c>{status, response}</c>.</summary>
    public static byte[] EncodeReply(PhoenixVersion version, string? joinRef, string? @ref, string topic, bool ok, ReadOnlySpan<byte> responseJson)
    {
        var status = ok ? "{\"status\":\"ok\",\"response\":"u8 : "{\"status\":\"error\",\"response\":"u8;
        var payload = new byte[status.Length + responseJson.Length + 1];
        status.CopyTo(payload);
        responseJson.CopyTo(payload.AsSpan(status.Length));
        payload[^1] = (byte)'}';
        return EncodeText(version, joinRef, @ref, topic, "phx_reply", payload);
    }

    /// <summary>An error reply with <c>{"reason": reason}</c>.</summary>
    public static byte[] EncodeErrorReply(PhoenixVersion version, string? joinRef, string? @ref, string topic, string reason) =>
        EncodeReply(version, joinRef, @ref, topic, ok: false, Json.Object(w => w.WriteString("reason", reason)));

    /// <summary>Kind 4 frame: <c>[4, topic_len, event_len, meta_len, encoding]</c> + topic + event + metadata + payload.</summary>
    public static byte[] EncodeUserBroadcast(string topic, string userEvent, ReadOnlySpan<byte> metadataJson, BroadcastEncoding encoding, ReadOnlySpan<byte> payload)
    {
        var topicLen = Encoding.UTF8.GetByteCount(topic);
        var eventLen = Encoding.UTF8.GetByteCount(userEvent);
        if (topicLen > 255 || eventLen > 255 || metadataJson.Length > 255)
            throw new ArgumentException("topic, event and metadata must each be at most 255 bytes");
        var frame = new byte[5 + topicLen + eventLen + metadataJson.Length + payload.Length];
        frame[0] = KindUserBroadcast;
        frame[1] = (byte)topicLen;
        frame[2] = (byte)eventLen;
        frame[3] = (byte)metadataJson.Length;
        frame[4] = (byte)encoding;
        var offset = 5;
        offset += Encoding.UTF8.GetBytes(topic, frame.AsSpan(offset));
        offset += Encoding.UTF8.GetBytes(userEvent, frame.AsSpan(offset));
        metadataJson.CopyTo(frame.AsSpan(offset));
        offset += metadataJson.Length;
        payload.CopyTo(frame.AsSpan(offset));
        return frame;
    }

    /// <summary>The raw UTF-8 JSON text of an element (no re-serialization).</summary>
    public static ReadOnlySpan<byte> RawJson(JsonElement element) =>
        element.ValueKind == JsonValueKind.Undefined ? "null"u8 : JsonMarshal.GetRawUtf8Value(element);

    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    private static string ReadString(ReadOnlySpan<byte> span, ref int offset, int length)
    {
        var s = length == 0 ? "" : StrictUtf8.GetString(span.Slice(offset, length));
        offset += length;
        return s;
    }

    private static bool IsJson(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8, ReaderOptions);
            while (reader.Read()) { }
            return reader.BytesConsumed == utf8.Length && utf8.Length > 0;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string? StrictString(JsonElement e) => e.ValueKind == JsonValueKind.String ? e.GetString() : null;

    /// <summary>Refs are strings, but some clients send numbers.</summary>
    private static string? AsString(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.GetRawText(),
        _ => null,
    };

    private static void WriteNullableString(Utf8JsonWriter w, string? value)
    {
        if (value is null) w.WriteNullValue();
        else w.WriteStringValue(value);
    }
}
