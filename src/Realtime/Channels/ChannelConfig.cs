using System.Text.Json;

namespace Supacs.Realtime.Channels;

/// <summary>One <c>postgres_changes</c> entry of a join, echoed in the reply with its <see cref="Id"/>.</summary>
internal sealed record PostgresChangeRequest(string Event, string? Schema, string? Table, string? Filter, int Id)
{
    /// <summary><c>select</c>: only these columns go in <c>columns</c>, <c>record</c> and <c>old_record</c> (null: all).</summary>
    public IReadOnlyList<string>? Select { get; init; }
}

/// <summary><c>config.broadcast.replay</c>: stored broadcasts since a unix-ms time, at most <c>limit</c> (1–25) of the latest.</summary>
internal sealed record ReplayRequest(long? Since, long? Limit)
{
    /// <summary>Both are integers and <c>since</c> is a representable time.</summary>
    public bool Valid => Since is >= 0 and < 253_402_300_800_000 && Limit is not null;
}

/// <summary>The <c>config</c> object of a <c>phx_join</c> payload (booleans may be "true"/"false" strings).</summary>
internal sealed record ChannelConfig(bool BroadcastSelf, bool BroadcastAck, string PresenceKey, bool PresenceEnabled,
    bool Private, IReadOnlyList<PostgresChangeRequest> PostgresChanges, bool Legacy = false)
{
    /// <summary><c>broadcast.replay</c>, when asked for: <c>since</c> (unix ms) and <c>limit</c> (null when a value is not an integer).</summary>
    public ReplayRequest? Replay { get; init; }

    /// <summary><c>broadcast.replication_ready</c>: a <c>system</c> message once the database stream is live.</summary>
    public bool ReplicationReady { get; init; }

    public static ChannelConfig Parse(JsonElement payload, string subTopic = "")
    {
        var hasConfig = payload.ValueKind == JsonValueKind.Object && payload.TryGetProperty("config", out _);
        if (!hasConfig && subTopic.Length > 0) return LegacyTopic(subTopic);
        var config = payload.ValueKind == JsonValueKind.Object && payload.TryGetProperty("config", out var c) && c.ValueKind == JsonValueKind.Object ? c : default;
        var broadcast = Child(config, "broadcast");
        var presence = Child(config, "presence");
        var changes = new List<PostgresChangeRequest>();
        if (config.ValueKind == JsonValueKind.Object && config.TryGetProperty("postgres_changes", out var pc) && pc.ValueKind == JsonValueKind.Array)
        {
            foreach (var entry in pc.EnumerateArray())
            {
                if (entry.ValueKind != JsonValueKind.Object) continue;
                var ev = Str(entry, "event") ?? "*";
                var schema = Str(entry, "schema");
                var table = Str(entry, "table");
                var filter = Str(entry, "filter");
                var select = Select(entry);
                changes.Add(new PostgresChangeRequest(ev, schema, table, filter, StableId(ev, schema, table, filter, select)) { Select = select });
            }
        }
        // A string, number or boolean key (upstream's accepted types), as text.
        var presenceKey = presence.ValueKind == JsonValueKind.Object && presence.TryGetProperty("key", out var k)
            ? k.ValueKind switch
            {
                JsonValueKind.String => k.GetString()!,
                JsonValueKind.Number => k.GetRawText(),
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                _ => "",
            }
            : "";
        // As upstream: a config without a presence object has presence on (the 2.3x behaviour); with one, only when enabled.
        var presenceEnabled = presence.ValueKind != JsonValueKind.Object || (Bool(presence, "enabled") ?? false);
        ReplayRequest? replay = null;
        if (broadcast.ValueKind == JsonValueKind.Object && broadcast.TryGetProperty("replay", out var r) && r.ValueKind != JsonValueKind.Null)
        {
            long? since = r.ValueKind == JsonValueKind.Object && r.TryGetProperty("since", out var s) && s.ValueKind == JsonValueKind.Number && s.TryGetInt64(out var sv) ? sv : null;
            long? limit = r.ValueKind != JsonValueKind.Object || !r.TryGetProperty("limit", out var l) || l.ValueKind == JsonValueKind.Null ? 25
                : l.ValueKind == JsonValueKind.Number && l.TryGetInt64(out var lv) ? lv : null;
            replay = new ReplayRequest(since, limit);
        }
        return new ChannelConfig(Bool(broadcast, "self") ?? false, Bool(broadcast, "ack") ?? false, presenceKey, presenceEnabled,
            Bool(config, "private") ?? false, changes) { Replay = replay, ReplicationReady = Bool(broadcast, "replication_ready") ?? false };
    }

    /// <summary>
    /// The legacy API (supabase-js v1): no <c>config</c>, the topic is the subscription, <c>schema[:table[:filter]]</c>
    /// (<c>*</c> for every published table); changes arrive as INSERT/UPDATE/DELETE events.
    /// </summary>
    private static ChannelConfig LegacyTopic(string subTopic)
    {
        var parts = subTopic.Split(':', 3);
        var schema = parts[0];
        var table = parts.Length > 1 ? parts[1] : null;
        var filter = parts.Length > 2 ? parts[2] : null;
        // No config: presence is on, as upstream.
        return new ChannelConfig(false, false, "", true, false, [new PostgresChangeRequest("*", schema, table, filter, StableId("*", schema, table, filter))], Legacy: true);
    }

    /// <summary>Same parameters give the same id (upstream uses a hash of the params too), so clients can match ids.</summary>
    /// <summary><c>select</c> as an array of column names or a comma-separated string; null when absent or empty.</summary>
    private static List<string>? Select(JsonElement entry)
    {
        if (!entry.TryGetProperty("select", out var v)) return null;
        var names = v.ValueKind switch
        {
            JsonValueKind.Array => v.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!.Trim()).ToList(),
            JsonValueKind.String => v.GetString()!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList(),
            _ => [],
        };
        names.RemoveAll(n => n.Length == 0);
        return names.Count == 0 ? null : names.Distinct(StringComparer.Ordinal).ToList();
    }

    private static int StableId(string ev, string? schema, string? table, string? filter, IReadOnlyList<string>? select = null)
    {
        // FNV-1a over the fields: stable across processes, unlike string.GetHashCode.
        var hash = 2166136261u;
        string[] parts = select is null ? [ev, schema ?? "", table ?? "", filter ?? ""] : [ev, schema ?? "", table ?? "", filter ?? "", string.Join(",", select)];
        foreach (var part in parts)
        {
            foreach (var ch in part) hash = (hash ^ ch) * 16777619u;
            hash = (hash ^ 0x1F) * 16777619u;
        }
        return (int)(hash & 0x7FFFFFFF);
    }

    private static JsonElement Child(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object ? v : default;

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    internal static bool? Bool(JsonElement e, string name)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out var v)) return null;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String when bool.TryParse(v.GetString(), out var b) => b,
            _ => null,
        };
    }
}
