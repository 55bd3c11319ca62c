using Npgsql;

namespace Supacs.Core.Postgres;

/// <summary>Applies the Supabase-compatible roles, schemas, grants and helpers (Sql/bootstrap.sql).</summary>
public static class Bootstrap
{
    private static readonly Lazy<string> Script = new(() => EmbeddedSql.Read(typeof(Bootstrap).Assembly, "bootstrap.sql"));

    /// <summary>
    /// Runs the bootstrap on a database. Idempotent. Serialised with an advisory lock so two nodes
    /// starting together on one database do not race on CREATE ROLE.
    /// </summary>
    public static async Task RunAsync(NpgsqlConnection admin, CancellationToken ct = default)
    {
        await using var tx = await admin.BeginTransactionAsync(ct).ConfigureAwait(false);
        await using (var lockCmd = new NpgsqlCommand("SELECT pg_advisory_xact_lock(7467727301)", admin, tx))
            await lockCmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        await using (var cmd = new NpgsqlCommand(Script.Value, admin, tx))
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        await using (var searchPath = new NpgsqlCommand(
            "SELECT format('ALTER DATABASE %I SET search_path TO \"$user\", public, extensions', current_database())", admin, tx))
        {
            var alter = (string)(await searchPath.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
            await using var set = new NpgsqlCommand(alter, admin, tx);
            await set.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        await tx.CommitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Gives the authenticator login role a password when it has none we can use, so the request pool can
    /// log in as it. On a supabase/postgres image it already has one (POSTGRES_PASSWORD) and is left alone.
    /// </summary>
    public static async Task SetAuthenticatorPasswordAsync(NpgsqlConnection admin, string password, CancellationToken ct = default)
    {
        await using var cmd = new NpgsqlCommand("SELECT format('ALTER ROLE authenticator WITH LOGIN PASSWORD %L', @p::text)", admin);
        cmd.Parameters.AddWithValue("p", password);
        var sql = (string)(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
        await using var alter = new NpgsqlCommand(sql, admin);
        await alter.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}
