using System.Reflection;
using Npgsql;

namespace Supacs.Core.Postgres;

/// <summary>
/// Versioned SQL files embedded in a module (<c>Migrations/0001_name.sql</c>, applied in file-name
/// order, each in its own transaction) recorded in a history table the module chooses, so each schema
/// records its history the way the original service does.
/// </summary>
public sealed class SqlMigrationSet(Assembly assembly, string folder, MigrationHistory history)
{
    public async Task ApplyAsync(NpgsqlConnection admin, CancellationToken ct)
    {
        await using (var create = new NpgsqlCommand(history.CreateTableSql, admin))
            await create.ExecuteNonQueryAsync(ct).ConfigureAwait(false);

        var applied = new HashSet<string>(StringComparer.Ordinal);
        await using (var read = new NpgsqlCommand(history.SelectVersionsSql, admin))
        await using (var reader = await read.ExecuteReaderAsync(ct).ConfigureAwait(false))
            while (await reader.ReadAsync(ct).ConfigureAwait(false)) applied.Add(reader.GetValue(0).ToString()!);

        foreach (var (fileName, sql) in EmbeddedSql.ReadFolder(assembly, folder))
        {
            var version = history.VersionOf(fileName);
            if (applied.Contains(version)) continue;
            await using var tx = await admin.BeginTransactionAsync(ct).ConfigureAwait(false);
            try
            {
                await using (var cmd = new NpgsqlCommand(sql, admin, tx))
                    await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                await using (var record = new NpgsqlCommand(history.InsertSql, admin, tx))
                {
                    record.Parameters.AddWithValue("version", version);
                    record.Parameters.AddWithValue("name", Path.GetFileNameWithoutExtension(fileName));
                    await record.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }
                await tx.CommitAsync(ct).ConfigureAwait(false);
            }
            catch (PostgresException e)
            {
                throw new SupacsStartupException($"{assembly.GetName().Name} migration {fileName} failed: {e.MessageText} (line {SqlText.LineOf(sql, e.Position)})", e);
            }
        }
    }
}

/// <summary>The history table of one module's migrations and how a file name maps to its recorded version.</summary>
public sealed record MigrationHistory(string CreateTableSql, string SelectVersionsSql, string InsertSql, Func<string, string> VersionOf)
{
    /// <summary>A <c>(version text primary key, name text, inserted_at)</c> table, the version being the file name's number.</summary>
    public static MigrationHistory Simple(string qualifiedTable) => new(
        $"CREATE TABLE IF NOT EXISTS {qualifiedTable} (version text PRIMARY KEY, name text, inserted_at timestamptz NOT NULL DEFAULT now())",
        $"SELECT version FROM {qualifiedTable}",
        $"INSERT INTO {qualifiedTable} (version, name) VALUES (@version, @name)",
        fileName => fileName.Split('_', 2)[0]);
}
