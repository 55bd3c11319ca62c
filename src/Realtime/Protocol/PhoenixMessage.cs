using System.Text.Json;

namespace Supacs.Realtime.Protocol;

/// <summary>The two Phoenix serializer versions realtime-js speaks: JSON objects (1.0.0) and JSON arrays plus binary broadcast frames (2.0.0).</summary>
internal enum PhoenixVersion { V1, V2 }

/// <summary>A decoded client frame: a JSON message (<see cref="Payload"/>) or a binary user broadcast (<see cref="Binary"/>).</summary>
internal sealed class PhoenixMessage(string? joinRef, string? @ref, string topic, string @event, JsonElement payload, UserBroadcastPush? binary = null)
{
    public string? JoinRef { get; } = joinRef;
    public string? Ref { get; } = @ref;
    public string Topic { get; } = topic;
    public string Event { get; } = @event;

    /// <summary>The payload (an object for well-formed messages); Undefined for binary pushes.</summary>
    public JsonElement Payload { get; } = payload;

    public UserBroadcastPush? Binary { get; } = binary;
}

/// <summary>Payload encoding byte of the binary broadcast frames.</summary>
internal enum BroadcastEncoding : byte { Binary = 0, Json = 1 }

/// <summary>Kind 3 frame: a client's broadcast push (user event, optional metadata JSON, raw or JSON payload bytes).</summary>
internal sealed record UserBroadcastPush(string UserEvent, string Metadata, BroadcastEncoding Encoding, ReadOnlyMemory<byte> Payload);
