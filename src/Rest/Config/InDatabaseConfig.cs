using Npgsql;
using NpgsqlTypes;

namespace Supacs.Rest.Config;

/// <summary>
/// PostgREST's in-database configuration: the <c>pgrst.*</c> settings of the role the request pool logs in as
/// (<c>authenticator</c>), read the way PostgREST reads them. Highest priority first: a setting for that role in
/// this database (<c>ALTER ROLE authenticator IN DATABASE d SET pgrst.x = …</c>), then one for the role in every
/// database (<c>ALTER ROLE authenticator SET …</c>), then what the db-pre-config function sets with <c>set_config</c>.
/// A database-wide <c>ALTER DATABASE … SET pgrst.x</c> has no effect, as in PostgREST.
/// </summary>
internal static class InDatabaseConfig
{
    /// <summary>The settings PostgREST v12 reads in-database that Supacs implements, as <c>pgrst.</c> names.</summary>
    /// <remarks>
    /// PostgREST also reads jwt_secret, jwt_secret_is_base64, jwt_cache_max_lifetime, the other server_* settings
    /// and db_timezone_enabled in-database. Supacs has no such REST settings (the JWT keys are the project's, shared
    /// by every module), so those are ignored. server_timing_enabled is read in-database by later PostgREST versions.
    /// </remarks>
    public static readonly string[] Names =
    [
        "pgrst.db_aggregates_enabled", "pgrst.db_anon_role", "pgrst.db_pre_config", "pgrst.db_extra_search_path",
        "pgrst.db_max_rows", "pgrst.db_plan_enabled", "pgrst.db_pre_request", "pgrst.db_prepared_statements",
        "pgrst.db_schemas", "pgrst.db_tx_end", "pgrst.db_hoisted_tx_settings", "pgrst.jwt_aud", "pgrst.jwt_role_claim_key",
        "pgrst.openapi_mode", "pgrst.openapi_server_proxy_uri", "pgrst.db_root_spec",
        "pgrst.openapi_security_active", "pgrst.server_timing_enabled",
    ];

    private const string RoleSettingsSql = """
        SELECT s.setdatabase::int8 AS db, split_part(kv, '=', 1) AS k, substr(kv, strpos(kv, '=') + 1) AS v
        FROM pg_catalog.pg_db_role_setting s CROSS JOIN LATERAL unnest(s.setconfig) AS kv
        WHERE s.setrole = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user)
          AND s.setdatabase IN (0, (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()))
        """;

    /// <summary>
    /// The in-database settings of the connection's login role, keyed by the PostgREST environment variable they
    /// override (<c>pgrst.db_schemas</c> → <c>PGRST_DB_SCHEMAS</c>). Errors of the pre-config function propagate.
    /// </summary>
    public static async Task<Dictionary<string, string>> ReadAsync(NpgsqlConnection connection, string? preConfig, CancellationToken ct)
    {
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, ct).ConfigureAwait(false);
        var sql = RoleSettingsSql;
        if (preConfig is not null)
        {
            // A pooled connection keeps the pgrst.* values its role had when it logged in; blank them for this
            // transaction so only what the function sets now is read (an empty value counts as unset).
            await using (var blank = new NpgsqlCommand("SELECT pg_catalog.set_config(x, '', true) FROM unnest($1::text[]) AS x", connection, tx))
            {
                blank.Parameters.Add(new NpgsqlParameter { Value = Names, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
                await blank.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            sql += $"""

                UNION ALL
                SELECT NULL, x, nullif(pg_catalog.current_setting(x, true), '')
                FROM unnest($1::text[]) AS x CROSS JOIN LATERAL {FunctionName(preConfig)}() AS pre_config
                """;
        }
        var query = $"""
            SELECT DISTINCT ON (k) k, v FROM ({sql}) AS settings
            WHERE k = ANY($1::text[]) AND v IS NOT NULL
            ORDER BY k, db DESC NULLS LAST
            """;
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var cmd = new NpgsqlCommand(query, connection, tx))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = Names, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
                result[EnvName(reader.GetString(0))] = reader.GetString(1);
        }
        await tx.RollbackAsync(ct).ConfigureAwait(false);
        return result;
    }

    /// <summary>
    /// The settings of the roles the connection's login role is a member of (the roles requests switch to), as
    /// PostgREST reads them: only parameters any role may set (context <c>user</c>) or that the role itself was granted
    /// SET on (PostgreSQL 15+), since they are applied after the switch to the role.
    /// </summary>
    public static async Task<Dictionary<string, ImpersonatedRoleSettings>> ReadRoleSettingsAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var privileged = connection.PostgreSqlVersion.Major >= 15 ? " OR pg_catalog.has_parameter_privilege(kv.rolname, ps.name, 'SET')" : "";
        var sql = $"""
            WITH kv AS (
              SELECT r.rolname, split_part(setting, '=', 1) AS k, substr(setting, strpos(setting, '=') + 1) AS v
              FROM pg_catalog.pg_auth_members m
              JOIN pg_catalog.pg_roles r ON r.oid = m.roleid
              CROSS JOIN LATERAL unnest(r.rolconfig) AS setting
              WHERE m.member = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user)
            )
            SELECT kv.rolname::text, kv.k, kv.v FROM kv JOIN pg_catalog.pg_settings ps ON ps.name = kv.k
            WHERE ps.context = 'user'{privileged}
            ORDER BY 1, 2
            """;
        var rows = new Dictionary<string, (List<KeyValuePair<string, string>> Settings, string? Isolation)>(StringComparer.Ordinal);
        await using (var cmd = new NpgsqlCommand(sql, connection))
        await using (var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                var role = reader.GetString(0);
                if (!rows.TryGetValue(role, out var entry)) rows[role] = entry = ([], null);
                if (reader.GetString(1) == "default_transaction_isolation") rows[role] = entry with { Isolation = reader.GetString(2) };
                else entry.Settings.Add(new(reader.GetString(1), reader.GetString(2)));
            }
        }
        return rows.ToDictionary(r => r.Key, r => new ImpersonatedRoleSettings(ValueList.From(r.Value.Settings), ImpersonatedRoleSettings.ParseIsolation(r.Value.Isolation)),
            StringComparer.Ordinal);
    }

    /// <summary><c>pgrst.db_schemas</c> → <c>PGRST_DB_SCHEMAS</c>.</summary>
    public static string EnvName(string setting) =>
        "PGRST_" + setting["pgrst.".Length..].ToUpperInvariant();

    /// <summary>A function name as configured (<c>schema.fn</c> or <c>fn</c>), quoted.</summary>
    public static string FunctionName(string name)
    {
        var parts = name.Split('.', 2);
        return parts.Length == 2 ? Sql.Sql.Qualified(parts[0], parts[1]) : Sql.Sql.Ident(name);
    }
}
