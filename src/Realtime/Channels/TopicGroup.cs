using System.Security.Cryptography;
using System.Text.Json;
using Supacs.Realtime.Protocol;

namespace Supacs.Realtime.Channels;

/// <summary>
/// The members of one topic (public or private namespace) on this node, and its presence entries.
/// Membership changes copy the member array so fan-out reads a snapshot without locking.
/// </summary>
internal sealed class TopicGroup(string key)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<JoinedChannel, PresenceEntry> _presence = [];
    private JoinedChannel[] _members = [];

    public string Key { get; } = key;
    public JoinedChannel[] Members => Volatile.Read(ref _members);

    public void Add(JoinedChannel channel)
    {
        lock (_lock) Volatile.Write(ref _members, [.. _members, channel]);
    }

    /// <summary>Removes the channel (and its presence, returning the leave diff if it had one); returns the members left.</summary>
    public int Remove(JoinedChannel channel, out byte[]? leaveDiff)
    {
        lock (_lock)
        {
            Volatile.Write(ref _members, Array.FindAll(_members, m => m != channel));
            leaveDiff = _presence.Remove(channel, out var entry) ? Diff(null, entry) : null;
            return _members.Length;
        }
    }

    /// <summary>Sends the broadcast to every member (the sender only when it asked for <c>self</c>).</summary>
    public void Broadcast(BroadcastMessage message, JoinedChannel? sender)
    {
        foreach (var member in Members)
        {
            if (member == sender && !member.Config.BroadcastSelf) continue;
            if (!member.Policies.ReadBroadcast) continue;
            var frame = message.FrameFor(member.Socket.Version);
            if (frame is { } f) member.Socket.Send(f.Data, f.Binary);
        }
    }

    /// <summary>Tracks (or updates) the channel's presence; returns the diff payload, or null when nothing changed.</summary>
    public byte[]? Track(JoinedChannel channel, JsonElement meta)
    {
        lock (_lock)
        {
            _presence.TryGetValue(channel, out var previous);
            if (previous is not null && previous.Meta.GetRawText() == meta.GetRawText()) return null;
            var entry = new PresenceEntry(channel.PresenceKey, NewRef(), meta.Clone(), previous?.PhxRef);
            _presence[channel] = entry;
            return Diff(entry, previous);
        }
    }

    public byte[]? Untrack(JoinedChannel channel)
    {
        lock (_lock) return _presence.Remove(channel, out var entry) ? Diff(null, entry) : null;
    }

    /// <summary><c>{key: {metas: [...]}}</c> of every tracked entry.</summary>
    public byte[] PresenceState()
    {
        lock (_lock)
        {
            return Json.Write(w =>
            {
                w.WriteStartObject();
                foreach (var group in _presence.Values.GroupBy(e => e.Key))
                {
                    w.WritePropertyName(group.Key);
                    WriteMetas(w, group);
                }
                w.WriteEndObject();
            });
        }
    }

    /// <summary>Pushes a presence_diff to every member that has presence enabled.</summary>
    public void SendPresenceDiff(byte[] diff)
    {
        byte[]? v1 = null, v2 = null;
        foreach (var member in Members)
        {
            if (!member.ReceivesPresence) continue;
            var version = member.Socket.Version;
            var frame = version == PhoenixVersion.V2
                ? v2 ??= PhoenixCodec.EncodeText(version, null, null, member.Topic, "presence_diff", diff)
                : v1 ??= PhoenixCodec.EncodeText(version, null, null, member.Topic, "presence_diff", diff);
            member.Socket.Send(frame, binary: false);
        }
    }

    private static byte[] Diff(PresenceEntry? join, PresenceEntry? leave) => Json.Write(w =>
    {
        w.WriteStartObject();
        w.WritePropertyName("joins");
        w.WriteStartObject();
        if (join is not null)
        {
            w.WritePropertyName(join.Key);
            WriteMetas(w, [join]);
        }
        w.WriteEndObject();
        w.WritePropertyName("leaves");
        w.WriteStartObject();
        if (leave is not null)
        {
            w.WritePropertyName(leave.Key);
            WriteMetas(w, [leave with { PreviousRef = null }]);
        }
        w.WriteEndObject();
        w.WriteEndObject();
    });

    private static void WriteMetas(Utf8JsonWriter w, IEnumerable<PresenceEntry> entries)
    {
        w.WriteStartObject();
        w.WritePropertyName("metas");
        w.WriteStartArray();
        foreach (var e in entries)
        {
            w.WriteStartObject();
            if (e.Meta.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in e.Meta.EnumerateObject())
                {
                    if (p.NameEquals("phx_ref") || p.NameEquals("phx_ref_prev")) continue;
                    p.WriteTo(w);
                }
            }
            w.WriteString("phx_ref", e.PhxRef);
            if (e.PreviousRef is not null) w.WriteString("phx_ref_prev", e.PreviousRef);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>A short unique reference like Phoenix's base64 phx_ref.</summary>
    private static string NewRef() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(12)).Replace('+', '-').Replace('/', '_');

    private sealed record PresenceEntry(string Key, string PhxRef, JsonElement Meta, string? PreviousRef);
}
