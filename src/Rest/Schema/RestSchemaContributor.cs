using Npgsql;
using Supacs.Core.Postgres;

namespace Supacs.Rest.Schema;

/// <summary>Installs the DDL event triggers that keep the schema cache fresh (migrations in Rest/Migrations).</summary>
internal sealed class RestSchemaContributor : ISchemaContributor
{
    private static readonly SqlMigrationSet Migrations = new(typeof(RestSchemaContributor).Assembly, "Migrations",
        MigrationHistory.Simple("supacs_rest.schema_migrations"));

    public string Name => "rest";

    public int Order => 90;

    public async Task MigrateAsync(NpgsqlConnection admin, CancellationToken ct)
    {
        await using (var cmd = new NpgsqlCommand("CREATE SCHEMA IF NOT EXISTS supacs_rest", admin))
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        await Migrations.ApplyAsync(admin, ct).ConfigureAwait(false);
    }
}
