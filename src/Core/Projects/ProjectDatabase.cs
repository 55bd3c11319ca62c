using Npgsql;
using Supacs.Core.Postgres;

namespace Supacs.Core.Projects;

/// <summary>
/// The project's pooled data sources: <see cref="Admin"/> (superuser; migrations and privileged control
/// paths) and <see cref="Api"/> (logs in as <c>authenticator</c>; every request switches role inside
/// a <see cref="DbScope"/>).
/// </summary>
public sealed class ProjectDatabase(NpgsqlDataSource admin, NpgsqlDataSource api, string displayUrl, EmbeddedCluster? cluster) : IAsyncDisposable
{
    public NpgsqlDataSource Admin { get; } = admin;
    public NpgsqlDataSource Api { get; } = api;

    /// <summary>postgresql:// URL printed to users (DB_URL).</summary>
    public string DisplayUrl { get; } = displayUrl;

    /// <summary>The embedded cluster, when Supacs runs its own.</summary>
    public EmbeddedCluster? Cluster { get; } = cluster;

    /// <summary>Admin connection string, password included (for replication connections, which need their own).</summary>
    public string AdminConnectionString => Admin.ConnectionString;

    /// <summary>
    /// Drops every idle pooled connection. After the server restarted they are all dead, and handing one out
    /// would fail the request with 57P01 instead of opening a fresh connection.
    /// </summary>
    public void ClearPools()
    {
        Api.Clear();
        Admin.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        await Api.DisposeAsync().ConfigureAwait(false);
        await Admin.DisposeAsync().ConfigureAwait(false);
    }
}
