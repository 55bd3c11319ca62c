using Npgsql;
using Supacs.Core.Postgres;

namespace Supacs.Storage.Schema;

/// <summary>
/// Applies the embedded <c>Migrations/NNNN_name.sql</c> files, recorded in <c>storage.migrations</c>
/// (id, name, hash, executed_at) like Supabase Storage records its own.
/// </summary>
internal sealed class StorageSchema(Supacs.Core.Projects.ProjectRegistry? projects = null) : ISchemaContributor
{
    private static readonly MigrationHistory History = new(
        "CREATE TABLE IF NOT EXISTS storage.migrations (id integer PRIMARY KEY, name varchar(100) UNIQUE NOT NULL, " +
        "hash varchar(40) NOT NULL, executed_at timestamp DEFAULT current_timestamp)",
        "SELECT id FROM storage.migrations",
        "INSERT INTO storage.migrations (id, name, hash) VALUES (@version::integer, @name, encode(extensions.digest(@name, 'sha1'), 'hex'))",
        fileName => int.Parse(fileName.Split('_', 2)[0], System.Globalization.CultureInfo.InvariantCulture).ToString(System.Globalization.CultureInfo.InvariantCulture));

    private readonly SqlMigrationSet _migrations = new(typeof(StorageSchema).Assembly, "Migrations", History);

    public string Name => "storage";
    public int Order => 20;

    public async Task MigrateAsync(NpgsqlConnection admin, CancellationToken ct)
    {
        await _migrations.ApplyAsync(admin, ct);
        // [storage.buckets.*] from config.toml exist from the start, as `supabase start` seeds them.
        if (projects is { Projects.Count: > 0 })
            await StorageState.UpsertConfiguredBucketsAsync(admin, StorageOptions.From(projects.Projects[0].Config).Buckets, ct);
    }
}
