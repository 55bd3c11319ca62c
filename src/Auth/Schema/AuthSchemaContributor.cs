using Npgsql;
using Supacs.Core.Postgres;

namespace Supacs.Auth.Schema;

/// <summary>
/// Creates the auth schema GoTrue would, recording each applied migration's version in
/// <c>auth.schema_migrations(version)</c> as GoTrue does. The bootstrap's auth.uid()/role()/email()/jwt()
/// are left in place (they already match GoTrue's definitions).
/// </summary>
internal sealed class AuthSchemaContributor : ISchemaContributor
{
    private static readonly MigrationHistory History = new(
        "CREATE TABLE IF NOT EXISTS auth.schema_migrations (version varchar(255) NOT NULL, CONSTRAINT schema_migrations_pkey PRIMARY KEY (version))",
        "SELECT version FROM auth.schema_migrations",
        "INSERT INTO auth.schema_migrations (version) SELECT @version WHERE @name IS NOT NULL ON CONFLICT DO NOTHING",
        fileName => fileName.Split('_', 2)[0]);

    private readonly SqlMigrationSet _migrations = new(typeof(AuthSchemaContributor).Assembly, "Migrations", History);

    public string Name => "auth";

    public int Order => 10;

    public Task MigrateAsync(NpgsqlConnection admin, CancellationToken ct) => _migrations.ApplyAsync(admin, ct);
}
