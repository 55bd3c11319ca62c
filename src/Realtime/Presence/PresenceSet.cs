using System.Security.Cryptography;
using System.Text.Json;
using Supacs.Realtime.Channels;
using Supacs.Realtime.Protocol;

namespace Supacs.Realtime.Presence;

/// <summary>One presence entry: the key, Phoenix's <c>phx_ref</c>, the tracked meta, the ref it replaced, and the node that owns it.</summary>
internal sealed record PresenceEntry(string Key, string PhxRef, JsonElement Meta, string? PreviousRef, string Node);

/// <summary>A presence change: what joined and/or left (an update is both), with its <c>presence_diff</c> payload.</summary>
internal sealed record PresenceChange(PresenceEntry? Join, PresenceEntry? Leave)
{
    public byte[] Diff() => Json.Write(w =>
    {
        w.WriteStartObject();
        w.WritePropertyName("joins");
        w.WriteStartObject();
        if (Join is not null)
        {
            w.WritePropertyName(Join.Key);
            PresenceSet.WriteMetas(w, [Join]);
        }
        w.WriteEndObject();
        w.WritePropertyName("leaves");
        w.WriteStartObject();
        if (Leave is not null)
        {
            w.WritePropertyName(Leave.Key);
            PresenceSet.WriteMetas(w, [Leave with { PreviousRef = null }]);
        }
        w.WriteEndObject();
        w.WriteEndObject();
    });
}

/// <summary>
/// The presence entries of one topic across the cluster: this node's (one per channel) and those replicated from
/// other nodes through the backplane (by phx_ref), which disappear with their node.
/// </summary>
internal sealed class PresenceSet(string node)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<JoinedChannel, PresenceEntry> _local = [];
    private readonly Dictionary<string, PresenceEntry> _remote = new(StringComparer.Ordinal);

    public bool IsEmpty
    {
        get { lock (_lock) return _local.Count == 0 && _remote.Count == 0; }
    }

    /// <summary>Tracks or updates a local channel's presence; null when the meta did not change.</summary>
    public PresenceChange? Track(JoinedChannel channel, JsonElement meta)
    {
        lock (_lock)
        {
            _local.TryGetValue(channel, out var previous);
            if (previous is not null && previous.Meta.GetRawText() == meta.GetRawText()) return null;
            var entry = new PresenceEntry(channel.PresenceKey, NewRef(), meta.Clone(), previous?.PhxRef, node);
            _local[channel] = entry;
            return new PresenceChange(entry, previous);
        }
    }

    public PresenceChange? Untrack(JoinedChannel channel)
    {
        lock (_lock) return _local.Remove(channel, out var entry) ? new PresenceChange(null, entry) : null;
    }

    /// <summary>Applies a change replicated from another node.</summary>
    public PresenceChange? ApplyRemote(PresenceEntry? join, string? leaveRef)
    {
        lock (_lock)
        {
            PresenceEntry? left = null;
            if (leaveRef is not null) _remote.Remove(leaveRef, out left);
            if (join is not null)
            {
                if (_remote.ContainsKey(join.PhxRef)) return left is null ? null : new PresenceChange(null, left);
                _remote[join.PhxRef] = join;
            }
            return join is null && left is null ? null : new PresenceChange(join, left);
        }
    }

    /// <summary>Drops every entry of a node that went away; one leave per entry.</summary>
    public List<PresenceChange> RemoveNode(string deadNode)
    {
        lock (_lock)
        {
            var gone = _remote.Values.Where(e => e.Node == deadNode).ToList();
            foreach (var e in gone) _remote.Remove(e.PhxRef);
            return gone.Select(e => new PresenceChange(null, e)).ToList();
        }
    }

    /// <summary>This node's entries (sent to a node that just joined the cluster).</summary>
    public List<PresenceEntry> LocalEntries()
    {
        lock (_lock) return [.. _local.Values];
    }

    /// <summary><c>{key: {metas: [...]}}</c> of every entry in the cluster.</summary>
    public byte[] State()
    {
        lock (_lock)
        {
            return Json.Write(w =>
            {
                w.WriteStartObject();
                foreach (var group in _local.Values.Concat(_remote.Values).GroupBy(e => e.Key))
                {
                    w.WritePropertyName(group.Key);
                    WriteMetas(w, group);
                }
                w.WriteEndObject();
            });
        }
    }

    internal static void WriteMetas(Utf8JsonWriter w, IEnumerable<PresenceEntry> entries)
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
}
