using System.Text.Json;

namespace Supacs.Realtime.Channels;

/// <summary>One <c>postgres_changes</c> entry of a join, echoed in the reply with its <see cref="Id"/>.</summary>
internal sealed record PostgresChangeRequest(string Event, string? Schema, string? Table, string? Filter, int Id);

/// <summary>The <c>config</c> object of a <c>phx_join</c> payload (booleans may be "true"/"false" strings).</summary>
internal sealed record ChannelConfig(bool BroadcastSelf, bool BroadcastAck, string PresenceKey, bool PresenceEnabled,
    bool Private, IReadOnlyList<PostgresChangeRequest> PostgresChanges)
{
    public static ChannelConfig Parse(JsonElement payload)
    {
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
                changes.Add(new PostgresChangeRequest(ev, schema, table, filter, StableId(ev, schema, table, filter)));
            }
        }
        var presenceKey = Str(presence, "key") ?? "";
        var presenceEnabled = Bool(presence, "enabled") ?? false;
        return new ChannelConfig(Bool(broadcast, "self") ?? false, Bool(broadcast, "ack") ?? false, presenceKey, presenceEnabled,
            Bool(config, "private") ?? false, changes);
    }

    /// <summary>Same parameters give the same id (upstream uses a hash of the params too), so clients can match ids.</summary>
    private static int StableId(string ev, string? schema, string? table, string? filter)
    {
        // FNV-1a over the fields: stable across processes, unlike string.GetHashCode.
        var hash = 2166136261u;
        foreach (var part in new[] { ev, schema ?? "", table ?? "", filter ?? "" })
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
