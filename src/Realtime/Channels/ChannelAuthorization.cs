using Npgsql;
using Supacs.Core.Postgres;
using Supacs.Core.Requests;

namespace Supacs.Realtime.Channels;

/// <summary>What a caller may do on a private channel, decided by RLS policies on <c>realtime.messages</c>.</summary>
internal sealed record ChannelPolicies(bool ReadBroadcast, bool ReadPresence)
{
    public static readonly ChannelPolicies Public = new(true, true);
    public bool CanRead => ReadBroadcast || ReadPresence;
}

/// <summary>
/// Private-channel checks as upstream runs them, each in a transaction that is always rolled back:
/// read = probe rows inserted per extension, then SELECTed as the caller with <c>realtime.topic</c> set;
/// write = an INSERT as the caller, where a privilege or policy error means no.
/// </summary>
internal static class ChannelAuthorization
{
    public static async Task<ChannelPolicies> ReadAsync(NpgsqlDataSource api, RequestIdentity identity, string subTopic, CancellationToken ct = default)
    {
        await using var scope = await DbScope.BeginAsync(api, new DbScopeSettings(identity, "GET", "/realtime/v1"), ct: ct).ConfigureAwait(false);
        await scope.SetRoleAsync("service_role", ct).ConfigureAwait(false);
        Guid broadcastId, presenceId;
        await using (var insert = new NpgsqlCommand(
            "INSERT INTO realtime.messages (topic, extension, private) VALUES ($1, 'broadcast', true), ($1, 'presence', true) RETURNING id, extension",
            scope.Connection, scope.Transaction))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = subTopic });
            await using var reader = await insert.ExecuteReaderAsync(ct).ConfigureAwait(false);
            broadcastId = presenceId = Guid.Empty;
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                if (reader.GetString(1) == "broadcast") broadcastId = reader.GetGuid(0);
                else presenceId = reader.GetGuid(0);
            }
        }
        await SetCallerAsync(scope, identity, subTopic, ct).ConfigureAwait(false);
        var visible = new HashSet<Guid>();
        try
        {
            await using var select = new NpgsqlCommand("SELECT id FROM realtime.messages WHERE id = ANY($1)", scope.Connection, scope.Transaction);
            select.Parameters.Add(new NpgsqlParameter { Value = new[] { broadcastId, presenceId } });
            await using var reader = await select.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false)) visible.Add(reader.GetGuid(0));
        }
        catch (PostgresException e) when (IsPolicyError(e))
        {
            // No privilege, or a policy that raised an error (upstream's RlsPolicyError): no read access.
            return new ChannelPolicies(false, false);
        }
        return new ChannelPolicies(visible.Contains(broadcastId), visible.Contains(presenceId));
    }

    /// <summary>May the caller write <paramref name="extension"/> messages (broadcast or presence) to the topic?</summary>
    public static async Task<bool> WriteAsync(NpgsqlDataSource api, RequestIdentity identity, string subTopic, string extension, CancellationToken ct = default)
    {
        await using var scope = await DbScope.BeginAsync(api, new DbScopeSettings(identity, "POST", "/realtime/v1"), ct: ct).ConfigureAwait(false);
        await SetCallerAsync(scope, identity, subTopic, ct).ConfigureAwait(false);
        try
        {
            await using var insert = new NpgsqlCommand(
                "INSERT INTO realtime.messages (topic, extension, private) VALUES ($1, $2, true)", scope.Connection, scope.Transaction);
            insert.Parameters.Add(new NpgsqlParameter { Value = subTopic });
            insert.Parameters.Add(new NpgsqlParameter { Value = extension });
            await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            return true;
        }
        catch (PostgresException e) when (IsPolicyError(e))
        {
            return false;
        }
    }

    /// <summary>An error of the check itself (privilege, policy, or a policy expression that raised) rather than of the database being unavailable.</summary>
    private static bool IsPolicyError(PostgresException e) =>
        !e.SqlState.StartsWith("08", StringComparison.Ordinal) && !e.SqlState.StartsWith("57", StringComparison.Ordinal) && !e.SqlState.StartsWith("53", StringComparison.Ordinal);

    private static async Task SetCallerAsync(DbScope scope, RequestIdentity identity, string subTopic, CancellationToken ct)
    {
        await scope.SetRoleAsync(identity.Role, ct).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand("SELECT set_config('realtime.topic', $1, true)", scope.Connection, scope.Transaction);
        cmd.Parameters.Add(new NpgsqlParameter { Value = subTopic });
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}
