using Npgsql;
using Supacs.Core.Postgres;

namespace Supacs.Testing;

/// <summary>
/// One throwaway PostgreSQL cluster per test process (initdb in a temp dir, free port, wal_level=logical,
/// fsync off), a bootstrapped template database, and a fresh database per test class. The cluster is
/// stopped at process exit, and by its watchdog if the test process crashes.
/// </summary>
public sealed class TestPostgres
{
    public const string BaseTemplate = "supacs_template";

    private static readonly Lazy<Task<TestPostgres>> SharedInstance = new(StartAsync);
    // Static: there is one TestPostgres per process, and a static lock needs no disposal.
    private static readonly SemaphoreSlim TemplateLock = new(1, 1);
    private readonly HashSet<string> _templates = new(StringComparer.Ordinal);
    private int _counter;

    private TestPostgres(EmbeddedCluster cluster, string root)
    {
        Cluster = cluster;
        Root = root;
    }

    public EmbeddedCluster Cluster { get; }
    public string Root { get; }

    /// <summary>The cluster shared by every test of this process.</summary>
    public static Task<TestPostgres> SharedAsync() => SharedInstance.Value;

    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder(Cluster.ConnectionString(database)) { Pooling = true, MaxPoolSize = 20, PersistSecurityInfo = true }.ConnectionString;

    /// <summary>A new database cloned from <paramref name="template"/> (the bootstrapped base by default).</summary>
    public async Task<TestDatabase> CreateDatabaseAsync(string template = BaseTemplate, CancellationToken ct = default)
    {
        var name = $"t{Environment.ProcessId}_{Interlocked.Increment(ref _counter)}";
        await ExecuteOnMaintenanceAsync($"CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"", ct).ConfigureAwait(false);
        return new TestDatabase(this, name);
    }

    /// <summary>
    /// Creates (once per process) a template derived from the base template and initialised by
    /// <paramref name="init"/> on an admin connection — e.g. a module's migrations — for fast per-class clones.
    /// </summary>
    public async Task EnsureTemplateAsync(string name, Func<NpgsqlConnection, Task> init, CancellationToken ct = default)
    {
        await TemplateLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_templates.Contains(name)) return;
            await ExecuteOnMaintenanceAsync($"CREATE DATABASE \"{name}\" TEMPLATE \"{BaseTemplate}\"", ct).ConfigureAwait(false);
            var cs = new NpgsqlConnectionStringBuilder(Cluster.ConnectionString(name)) { Pooling = false }.ConnectionString;
            await using (var conn = new NpgsqlConnection(cs))
            {
                await conn.OpenAsync(ct).ConfigureAwait(false);
                await init(conn).ConfigureAwait(false);
            }
            _templates.Add(name);
        }
        finally
        {
            TemplateLock.Release();
        }
    }

    internal async Task ExecuteOnMaintenanceAsync(string sql, CancellationToken ct = default)
    {
        var cs = new NpgsqlConnectionStringBuilder(Cluster.ConnectionString("postgres")) { Pooling = false }.ConnectionString;
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private static async Task<TestPostgres> StartAsync()
    {
        var binaries = PostgresBinaries.TryLocate()
            ?? throw new InvalidOperationException(PostgresBinaries.InstallHint);
        // Not Directory.CreateTempSubdirectory: its 0700 mode would keep the postgres user out.
        var root = Path.Combine(Path.GetTempPath(), "supacs-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101);
        var cluster = new EmbeddedCluster(binaries, new ClusterSettings(Path.Combine(root, "pg"), root, PreferredPort: 0, NoSync: true, MaxConnections: 300, DeleteOnExit: root));
        await cluster.InitIfNeededAsync().ConfigureAwait(false);
        await cluster.StartAsync().ConfigureAwait(false);
        var instance = new TestPostgres(cluster, root);
        // The watchdog stops the server and deletes the folder once the test process is gone (however it ends);
        // a normal exit just gets there sooner.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => instance.Shutdown();

        await instance.ExecuteOnMaintenanceAsync($"CREATE DATABASE \"{BaseTemplate}\"").ConfigureAwait(false);
        var cs = new NpgsqlConnectionStringBuilder(cluster.ConnectionString(BaseTemplate)) { Pooling = false }.ConnectionString;
        await using (var conn = new NpgsqlConnection(cs))
        {
            await conn.OpenAsync().ConfigureAwait(false);
            await Bootstrap.RunAsync(conn).ConfigureAwait(false);
            await Bootstrap.SetAuthenticatorPasswordAsync(conn, cluster.Password).ConfigureAwait(false);
        }
        return instance;
    }

    private void Shutdown()
    {
        try
        {
            Cluster.StopAsync().GetAwaiter().GetResult();
            Directory.Delete(Root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            // Best effort at exit; the watchdog stops the server regardless.
        }
    }
}
