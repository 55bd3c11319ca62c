using Npgsql;
using Supacs.Core.Postgres;

namespace Supacs.Realtime;

/// <summary>
/// The realtime schema objects (realtime.messages and its daily partitions, realtime.send(), realtime.broadcast_changes(),
/// realtime.topic()), versioned in <c>realtime.schema_migrations (version bigint, inserted_at)</c> like upstream.
/// </summary>
internal sealed class RealtimeSchema : ISchemaContributor
{
    private static readonly MigrationHistory History = new(
        "CREATE TABLE IF NOT EXISTS realtime.schema_migrations (version bigint PRIMARY KEY, inserted_at timestamp(0) without time zone)",
        "SELECT version FROM realtime.schema_migrations",
        "INSERT INTO realtime.schema_migrations (version, inserted_at) SELECT @version::bigint, now() WHERE length(@name::text) >= 0",
        fileName => fileName.Split('_', 2)[0]);

    public string Name => "realtime";
    public int Order => 30;

    public async Task MigrateAsync(NpgsqlConnection admin, CancellationToken ct)
    {
        await new SqlMigrationSet(typeof(RealtimeSchema).Assembly, "Migrations", History).ApplyAsync(admin, ct).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand("SELECT realtime.supacs_maintain_partitions()", admin);
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}
