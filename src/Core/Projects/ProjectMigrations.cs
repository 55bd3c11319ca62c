using System.Security.Cryptography;
using System.Text;
using Npgsql;
using Supacs.Core.Postgres;

namespace Supacs.Core.Projects;

/// <summary>
/// A Supabase CLI project's <c>supabase/migrations/*.sql</c> (filename order, each in its own transaction,
/// recorded in <c>supabase_migrations.schema_migrations</c> as the CLI records them) and <c>seed.sql</c>
/// (once per database, recorded in <c>supabase_migrations.seed_files</c>).
/// </summary>
public static class ProjectMigrations
{
    public static IReadOnlyList<string> Files(string projectDir)
    {
        var dir = Path.Combine(projectDir, "supabase", "migrations");
        if (!Directory.Exists(dir)) return [];
        return Directory.GetFiles(dir, "*.sql").OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal).ToList();
    }

    /// <summary>Version and name as the CLI derives them: <c>20240101000000_create_todos.sql</c>.</summary>
    public static (string Version, string Name) Parse(string file)
    {
        var stem = Path.GetFileNameWithoutExtension(file);
        var parts = stem.Split('_', 2);
        return (parts[0], parts.Length > 1 ? parts[1] : "");
    }

    /// <summary>Applies pending migrations; returns the file names applied now.</summary>
    public static async Task<IReadOnlyList<string>> ApplyAsync(NpgsqlConnection admin, string projectDir,
        Action<string>? progress = null, CancellationToken ct = default)
    {
        var applied = new HashSet<string>(StringComparer.Ordinal);
        await using (var read = new NpgsqlCommand("SELECT version FROM supabase_migrations.schema_migrations", admin))
        await using (var reader = await read.ExecuteReaderAsync(ct).ConfigureAwait(false))
            while (await reader.ReadAsync(ct).ConfigureAwait(false)) applied.Add(reader.GetString(0));

        var done = new List<string>();
        foreach (var file in Files(projectDir))
        {
            var (version, name) = Parse(file);
            if (applied.Contains(version)) continue;
            var sql = await File.ReadAllTextAsync(file, ct).ConfigureAwait(false);
            var relative = Path.Combine("supabase", "migrations", Path.GetFileName(file));
            progress?.Invoke($"Applying migration {Path.GetFileName(file)}...");
            await using var tx = await admin.BeginTransactionAsync(ct).ConfigureAwait(false);
            try
            {
                await ScriptRunner.RunAsync(admin, tx, sql, ct).ConfigureAwait(false);
                await using (var record = new NpgsqlCommand(
                    "INSERT INTO supabase_migrations.schema_migrations (version, statements, name) VALUES (@v, @s, @n)", admin, tx))
                {
                    record.Parameters.AddWithValue("v", version);
                    record.Parameters.AddWithValue("s", SqlText.SplitStatements(sql).ToArray());
                    record.Parameters.AddWithValue("n", name);
                    await record.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }
                await tx.CommitAsync(ct).ConfigureAwait(false);
            }
            catch (ScriptException e)
            {
                throw new SupacsStartupException($"Migration {relative} failed at line {e.Line}: ERROR: {e.Error.MessageText} (SQLSTATE {e.Error.SqlState})", e);
            }
            done.Add(Path.GetFileName(file));
        }
        return done;
    }

    /// <summary>Runs <c>supabase/seed.sql</c> once per database. Returns true when it ran now.</summary>
    public static async Task<bool> SeedAsync(NpgsqlConnection admin, string projectDir, Action<string>? progress = null, CancellationToken ct = default)
    {
        var file = Path.Combine(projectDir, "supabase", "seed.sql");
        if (!File.Exists(file)) return false;
        const string relative = "supabase/seed.sql";
        await using (var check = new NpgsqlCommand("SELECT 1 FROM supabase_migrations.seed_files WHERE path = @p", admin))
        {
            check.Parameters.AddWithValue("p", relative);
            if (await check.ExecuteScalarAsync(ct).ConfigureAwait(false) is not null) return false;
        }
        var sql = await File.ReadAllTextAsync(file, ct).ConfigureAwait(false);
        progress?.Invoke("Seeding data from supabase/seed.sql...");
        await using var tx = await admin.BeginTransactionAsync(ct).ConfigureAwait(false);
        try
        {
            await ScriptRunner.RunAsync(admin, tx, sql, ct).ConfigureAwait(false);
            await using (var record = new NpgsqlCommand("INSERT INTO supabase_migrations.seed_files (path, hash) VALUES (@p, @h)", admin, tx))
            {
                record.Parameters.AddWithValue("p", relative);
                record.Parameters.AddWithValue("h", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql))));
                await record.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            await tx.CommitAsync(ct).ConfigureAwait(false);
        }
        catch (ScriptException e)
        {
            throw new SupacsStartupException($"Seed {relative} failed at line {e.Line}: ERROR: {e.Error.MessageText} (SQLSTATE {e.Error.SqlState})", e);
        }
        return true;
    }
}
