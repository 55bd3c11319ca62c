using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Supacs.Realtime.Protocol;

namespace Supacs.Realtime.Channels;

/// <summary>What a sender asked for with <c>persist</c>: how long the stored message may be replayed.</summary>
internal sealed record PersistRequest(TimeSpan Ttl, bool Valid);

/// <summary>
/// Broadcast persistence (realtime-js <c>send({..., persist})</c> and <c>httpSend(..., {persist})</c>): a broadcast on a private
/// channel whose sender may also write the <c>persistence</c> extension (an RLS INSERT check on realtime.messages, like the
/// broadcast and presence checks) is delivered live with <c>meta.id</c> and stored in realtime.messages (extension broadcast,
/// private) under that id, so later joins can replay it. <c>persist: true</c> keeps it for the 72 h the daily partitions
/// live; <c>{ttl}</c> for <c>ttl</c> seconds (at most 72 h). The stored row carries <c>expires_at</c>; replay skips expired rows,
/// and the database stream does not deliver rows with <c>expires_at</c> again (they went out live already).
/// </summary>
internal static class BroadcastPersistence
{
    /// <summary>Messages live as long as their daily partition: 72 hours.</summary>
    public static readonly TimeSpan MaxRetention = TimeSpan.FromHours(72);

    /// <summary>Reads a <c>persist</c> value (<c>true</c>, <c>{ttl}</c>); null when absent or false.</summary>
    public static PersistRequest? Parse(JsonElement persist)
    {
        switch (persist.ValueKind)
        {
            case JsonValueKind.True:
                return new PersistRequest(MaxRetention, true);
            case JsonValueKind.False or JsonValueKind.Null or JsonValueKind.Undefined:
                return null;
            case JsonValueKind.Object:
                if (!persist.TryGetProperty("ttl", out var ttl) || ttl.ValueKind == JsonValueKind.Null) return new PersistRequest(MaxRetention, true);
                return ttl.ValueKind == JsonValueKind.Number && ttl.TryGetDouble(out var seconds) ? FromSeconds(seconds) : new PersistRequest(default, false);
            default:
                return new PersistRequest(default, false);
        }
    }

    /// <summary>The REST form: <c>?persist=true</c> or <c>?persist[ttl]=N</c>.</summary>
    public static PersistRequest? FromQuery(string? persist, string? ttl)
    {
        if (!string.IsNullOrEmpty(ttl))
            return double.TryParse(ttl, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
                ? FromSeconds(seconds) : new PersistRequest(default, false);
        return persist switch
        {
            null or "" or "false" => null,
            "true" => new PersistRequest(MaxRetention, true),
            _ => new PersistRequest(default, false),
        };
    }

    /// <summary>The metadata of a kind 3 push (<c>{"persist": …}</c>), or a JSON push's <c>persist</c> key.</summary>
    public static PersistRequest? FromPush(PhoenixMessage m)
    {
        if (m.Binary is { Metadata.Length: > 0 } push)
        {
            try
            {
                using var meta = JsonDocument.Parse(push.Metadata);
                return meta.RootElement.ValueKind == JsonValueKind.Object && meta.RootElement.TryGetProperty("persist", out var p) ? Parse(p) : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }
        return m.Binary is null && m.Payload.ValueKind == JsonValueKind.Object && m.Payload.TryGetProperty("persist", out var jp) ? Parse(jp) : null;
    }

    private static PersistRequest FromSeconds(double seconds) =>
        seconds > 0 && double.IsFinite(seconds) ? new PersistRequest(TimeSpan.FromSeconds(Math.Min(seconds, MaxRetention.TotalSeconds)), true) : new PersistRequest(default, false);

    /// <summary>The live metadata of a persisted message: <c>{"id": …}</c>.</summary>
    public static string Meta(Guid id) => "{\"id\":\"" + id.ToString() + "\"}";

    /// <summary>Stores the message (authorization was decided by the caller) under <paramref name="id"/>.</summary>
    public static async Task StoreAsync(NpgsqlDataSource admin, Guid id, string subTopic, BroadcastMessage message, TimeSpan ttl)
    {
        await using var cmd = admin.CreateCommand(
            "INSERT INTO realtime.messages (id, topic, extension, event, payload, binary_payload, private, expires_at) " +
            "VALUES ($1, $2, 'broadcast', $3, $4::jsonb, $5, true, now() + make_interval(secs => $6))");
        var json = message.Encoding == BroadcastEncoding.Json;
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = subTopic });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = message.UserEvent });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = json ? Encoding.UTF8.GetString(message.Payload.Span) : DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = json ? DBNull.Value : message.Payload.ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<double> { TypedValue = ttl.TotalSeconds });
        await cmd.ExecuteNonQueryAsync().ConfigureAwait(false);
    }
}
