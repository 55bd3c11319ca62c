using System.Text.Json.Nodes;
using Npgsql;
using NpgsqlTypes;
using Supacs.Auth.Http;
using Supacs.Auth.Users;

namespace Supacs.Auth.Audit;

/// <summary>
/// Rows of auth.audit_log_entries as GoTrue writes them (the dashboard's auth log reads them):
/// payload <c>{action, actor_id, actor_username, actor_via_sso, log_type, traits}</c>.
/// </summary>
internal static class AuditLog
{
    public static async Task WriteAsync(AuthRequest req, NpgsqlConnection conn, NpgsqlTransaction? tx, UserRecord actor, string action, string logType,
        JsonObject? traits = null)
    {
        await using var batch = new NpgsqlBatch(conn, tx);
        batch.BatchCommands.Add(Command(req, actor, action, logType, traits));
        await batch.ExecuteNonQueryAsync(req.Aborted).ConfigureAwait(false);
    }

    /// <summary>The audit row's INSERT, for callers that send it in their own batch (one round trip less).</summary>
    public static NpgsqlBatchCommand Command(AuthRequest req, UserRecord actor, string action, string logType, JsonObject? traits = null)
    {
        var payload = new JsonObject
        {
            ["action"] = action,
            ["actor_id"] = actor.Id.ToString(),
            ["actor_username"] = actor.Email ?? actor.Phone ?? "",
            ["actor_via_sso"] = actor.IsSsoUser,
            ["log_type"] = logType,
        };
        if (traits is not null) payload["traits"] = traits;
        var cmd = new NpgsqlBatchCommand(
            "INSERT INTO auth.audit_log_entries (instance_id, id, payload, created_at, ip_address) " +
            "VALUES ('00000000-0000-0000-0000-000000000000', $1, $2::json, now(), $3)");
        cmd.Parameters.Add(new NpgsqlParameter { Value = Guid.NewGuid() });
        cmd.Parameters.Add(new NpgsqlParameter { Value = payload.ToJsonString(), NpgsqlDbType = NpgsqlDbType.Text });
        var ip = req.ClientIp;
        cmd.Parameters.Add(new NpgsqlParameter { Value = ip.Length > 64 ? ip[..64] : ip });
        return cmd;
    }

    public static JsonObject Provider(string provider) => new() { ["provider"] = provider };
}
