using System.Text;
using System.Text.Json;
using Npgsql;
using Supacs.Realtime.Protocol;

namespace Supacs.Realtime.Channels;

/// <summary>
/// <c>config.broadcast.replay</c> on a private channel: the latest stored broadcasts of the topic (rows of
/// <c>realtime.messages</c> with extension broadcast and private true, i.e. sent from the database) inserted since
/// <c>since</c>, at most <c>limit</c> (clamped to 1–25), re-sent oldest first right after the join reply with
/// <c>meta: {id, replayed: true}</c>. Read access was already decided by the channel's RLS check at join. Persisted client and
/// REST broadcasts (<see cref="BroadcastPersistence"/>) are such rows too, until their <c>expires_at</c>.
/// </summary>
internal static class BroadcastReplay
{
    public const int MaxLimit = 25;

    public static async Task<List<BroadcastMessage>> ReadAsync(NpgsqlDataSource admin, string topic, ReplayRequest replay)
    {
        await using var cmd = admin.CreateCommand(
            "SELECT id::text, event, payload::text, binary_payload FROM (" +
            "SELECT id, event, payload, binary_payload, inserted_at FROM realtime.messages WHERE topic = $1 AND extension = 'broadcast' AND private " +
            "AND inserted_at >= to_timestamp($2 / 1000.0)::timestamp AND (expires_at IS NULL OR expires_at > now()) " +
            "ORDER BY inserted_at DESC LIMIT $3) m ORDER BY inserted_at");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = topic["realtime:".Length..] });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = replay.Since!.Value });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = (int)Math.Clamp(replay.Limit!.Value, 1, MaxLimit) });
        var messages = new List<BroadcastMessage>();
        await using var reader = await cmd.ExecuteReaderAsync().ConfigureAwait(false);
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            var meta = JsonSerializer.Serialize(new Dictionary<string, object> { ["id"] = reader.GetString(0), ["replayed"] = true });
            var ev = reader.IsDBNull(1) ? "" : reader.GetString(1);
            // A stored binary broadcast (persisted from a binary push) replays as binary; V1 sockets cannot receive it.
            messages.Add(reader.IsDBNull(2) && !reader.IsDBNull(3)
                ? new BroadcastMessage(topic, ev, BroadcastEncoding.Binary, reader.GetFieldValue<byte[]>(3), meta)
                : new BroadcastMessage(topic, ev, BroadcastEncoding.Json, Encoding.UTF8.GetBytes(reader.IsDBNull(2) ? "{}" : reader.GetString(2)), meta));
        }
        return messages;
    }
}
