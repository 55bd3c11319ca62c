using System.Text.Json;
using Supacs.Realtime.Protocol;

namespace Supacs.Realtime.Channels;

/// <summary>
/// A user broadcast on its way to the members of a topic. Encoded lazily, once per serializer version:
/// V2 sockets get a kind 4 binary frame, V1 sockets a JSON <c>broadcast</c> message (binary payloads are dropped for V1).
/// </summary>
internal sealed class BroadcastMessage(string topic, string userEvent, BroadcastEncoding encoding, ReadOnlyMemory<byte> payload, string? metaJson = null)
{
    private byte[]? _v1;
    private byte[]? _v2;

    public string Topic { get; } = topic;
    public string UserEvent { get; } = userEvent;
    public BroadcastEncoding Encoding { get; } = encoding;
    public ReadOnlyMemory<byte> Payload { get; } = payload;
    public string? MetaJson { get; } = metaJson;

    private string? _id;
    private bool _idRead;

    /// <summary>The stored message id (<c>meta.id</c>) when there is one; read once, only when a channel replayed messages.</summary>
    public string? Id
    {
        get
        {
            if (_idRead || MetaJson is null) return _id;
            try
            {
                using var meta = JsonDocument.Parse(MetaJson);
                _id = meta.RootElement.ValueKind == JsonValueKind.Object && meta.RootElement.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String
                    ? id.GetString() : null;
            }
            catch (JsonException) { }
            _idRead = true;
            return _id;
        }
    }

    /// <summary>The same message with other metadata (e.g. the id of a persisted broadcast).</summary>
    public BroadcastMessage WithMeta(string metaJson) => new(Topic, UserEvent, Encoding, Payload, metaJson);

    /// <summary>The frame for a socket of <paramref name="version"/>; null when that socket cannot receive it.</summary>
    public (byte[] Data, bool Binary)? FrameFor(PhoenixVersion version)
    {
        if (version == PhoenixVersion.V2)
        {
            _v2 ??= PhoenixCodec.EncodeUserBroadcast(Topic, UserEvent,
                MetaJson is null ? default : System.Text.Encoding.UTF8.GetBytes(MetaJson), Encoding, Payload.Span);
            return (_v2, true);
        }
        if (Encoding != BroadcastEncoding.Json) return null;
        _v1 ??= PhoenixCodec.EncodeText(PhoenixVersion.V1, null, null, Topic, "broadcast", Json.Object(w =>
        {
            w.WriteString("type", "broadcast");
            w.WriteString("event", UserEvent);
            w.WritePropertyName("payload");
            w.WriteRawValue(Payload.Span, skipInputValidation: true);
            if (MetaJson is not null)
            {
                w.WritePropertyName("meta");
                w.WriteRawValue(MetaJson, skipInputValidation: true);
            }
        }));
        return (_v1, false);
    }

    /// <summary>A JSON broadcast from a V1 push payload <c>{type, event, payload}</c>.</summary>
    public static BroadcastMessage? FromJsonPush(string topic, JsonElement push)
    {
        if (push.ValueKind != JsonValueKind.Object || !push.TryGetProperty("event", out var ev) || ev.ValueKind != JsonValueKind.String) return null;
        var payload = push.TryGetProperty("payload", out var p) ? PhoenixCodec.RawJson(p).ToArray() : "{}"u8.ToArray();
        return new BroadcastMessage(topic, ev.GetString()!, BroadcastEncoding.Json, payload);
    }
}
