using Npgsql;
using Supacs.Core.Hosting;
using Supacs.Core.Postgres;
using Supacs.Core.Projects;

namespace Supacs.Testing;

/// <summary>A database of the test cluster, owned by one test class; dropped on dispose.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly TestPostgres _server;
    private NpgsqlDataSource? _admin;
    private NpgsqlDataSource? _api;

    internal TestDatabase(TestPostgres server, string name)
    {
        _server = server;
        Name = name;
    }

    public string Name { get; }

    public string AdminConnectionString => _server.ConnectionString(Name);

    /// <summary>Superuser pool.</summary>
    public NpgsqlDataSource Admin => _admin ??= NpgsqlDataSource.Create(AdminConnectionString);

    /// <summary>The request pool, logging in as authenticator exactly as Supacs does.</summary>
    public NpgsqlDataSource Api => _api ??= ProjectStarter.BuildApiDataSource(AdminConnectionString, _server.Cluster.Password);

    /// <summary>postgresql:// URL of this database.</summary>
    public string Url => _server.Cluster.Url(Name);

    /// <summary>Runs SQL as superuser (setup of tables, policies, fixtures).</summary>
    public async Task ExecuteAsync(string sql, CancellationToken ct = default)
    {
        await using var cmd = Admin.CreateCommand(sql);
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    public async Task<T?> ScalarAsync<T>(string sql, CancellationToken ct = default)
    {
        await using var cmd = Admin.CreateCommand(sql);
        var value = await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false);
        return value is null or DBNull ? default : (T)value;
    }

    /// <summary>Runs the given schema contributors (module migrations) on this database.</summary>
    public async Task MigrateAsync(IEnumerable<ISchemaContributor> contributors, CancellationToken ct = default)
    {
        await using var conn = await Admin.OpenConnectionAsync(ct).ConfigureAwait(false);
        foreach (var c in contributors.OrderBy(c => c.Order)) await c.MigrateAsync(conn, ct).ConfigureAwait(false);
    }

    /// <summary>This database as a project's database (data sources not owned by the returned object's cluster).</summary>
    public ProjectDatabase ToProjectDatabase() =>
        new(NpgsqlDataSource.Create(AdminConnectionString),
            ProjectStarter.BuildApiDataSource(AdminConnectionString, _server.Cluster.Password), Url, cluster: null);

    public async ValueTask DisposeAsync()
    {
        if (_api is not null) await _api.DisposeAsync().ConfigureAwait(false);
        if (_admin is not null) await _admin.DisposeAsync().ConfigureAwait(false);
        NpgsqlConnection.ClearAllPools();
        try
        {
            await _server.ExecuteOnMaintenanceAsync($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)").ConfigureAwait(false);
        }
        catch (NpgsqlException)
        {
            // The cluster may already be stopping at the end of the run.
        }
    }
}
