using Supacs.Realtime.Protocol;

namespace Supacs.Realtime.Channels;

/// <summary>
/// The members of one topic (public or private namespace) on this node. Membership changes copy the member array
/// so fan-out reads a snapshot without locking. Presence lives in the hub's <c>PresenceSet</c> for the same key.
/// </summary>
internal sealed class TopicGroup(string key)
{
    private readonly Lock _lock = new();
    private JoinedChannel[] _members = [];

    public string Key { get; } = key;
    public JoinedChannel[] Members => Volatile.Read(ref _members);

    public void Add(JoinedChannel channel)
    {
        lock (_lock) Volatile.Write(ref _members, [.. _members, channel]);
    }

    /// <summary>Removes the channel; returns the members left.</summary>
    public int Remove(JoinedChannel channel)
    {
        lock (_lock)
        {
            Volatile.Write(ref _members, Array.FindAll(_members, m => m != channel));
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
            // A stored message this channel already got by replay is not sent again (upstream skips replayed ids).
            if (member.ReplayedIds is { } replayed && message.Id is { } id && replayed.Contains(id)) continue;
            var frame = message.FrameFor(member.Socket.Version);
            if (frame is { } f) member.Socket.Send(f.Data, f.Binary);
        }
    }

    /// <summary>Pushes a presence_diff to every member that has presence enabled; returns how many got it.</summary>
    public int SendPresenceDiff(byte[] diff)
    {
        var sent = 0;
        byte[]? v1 = null, v2 = null;
        foreach (var member in Members)
        {
            if (!member.ReceivesPresence) continue;
            var version = member.Socket.Version;
            var frame = version == PhoenixVersion.V2
                ? v2 ??= PhoenixCodec.EncodeText(version, null, null, member.Topic, "presence_diff", diff)
                : v1 ??= PhoenixCodec.EncodeText(version, null, null, member.Topic, "presence_diff", diff);
            member.Socket.Send(frame, binary: false);
            sent++;
        }
        return sent;
    }
}
