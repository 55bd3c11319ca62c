using Npgsql;

namespace Supacs.Core.Postgres;

/// <summary>
/// A module's database schema (auth, storage, realtime, rest helpers). Registered in DI by the module's
/// <c>AddSupacsX</c>; the foundation runs every contributor in <see cref="Order"/> after the bootstrap
/// and before the project's own migrations (which may reference e.g. auth.users).
/// </summary>
public interface ISchemaContributor
{
    /// <summary>Short name for logs and errors ("auth").</summary>
    string Name { get; }

    /// <summary>Lower runs first: auth 10, storage 20, realtime 30, functions 40, rest 90.</summary>
    int Order { get; }

    /// <summary>Brings the schema up to date on an admin (superuser) connection. Must be idempotent.</summary>
    Task MigrateAsync(NpgsqlConnection admin, CancellationToken ct);
}
