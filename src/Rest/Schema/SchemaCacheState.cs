using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Supacs.Core.Projects;

namespace Supacs.Rest.Schema;

/// <summary>
/// A project's schema cache: loaded on first use, reloaded on <c>NOTIFY pgrst, 'reload schema'</c> (sent by
/// the DDL event triggers and by users), and on a miss when the DDL version sequence moved. Requests
/// await the load in progress, so they wait while a reload runs; with no cache yet they get PGRST002.
/// Every load first re-reads the in-database configuration (PostgREST does the same), so the schema list it loads
/// is current; <c>NOTIFY pgrst, 'reload config'</c> re-reads only the configuration, and reloads the cache too
/// when the exposed schemas changed (the cache holds only those schemas).
/// </summary>
internal sealed partial class SchemaCacheState
{
    private const string VersionSql = "SELECT version FROM supacs_rest.schema_state WHERE id = 1";

    private readonly SupacsProject _project;
    private readonly Config.RestConfigState _config;
    private readonly ILogger _log;
    private readonly CancellationToken _stopping;
    private readonly Lock _gate = new();
    private Task<(SchemaCache Cache, long Version)>? _load;
    private SchemaCache? _last;
    private int _listening;

    public SchemaCacheState(SupacsProject project, Config.RestConfigState config, ILogger log, CancellationToken stopping)
    {
        _project = project;
        _config = config;
        _log = log;
        _stopping = stopping;
    }

    public static SchemaCacheState For(SupacsProject project, ILoggerFactory loggers, CancellationToken stopping) =>
        project.Feature((loggers, stopping), static (p, a) => Create(p, a.loggers, a.stopping));

    /// <summary>The project's state; <paramref name="http"/>'s services are asked only when it is created (asking them creates the request's DI scope).</summary>
    public static SchemaCacheState For(SupacsProject project, Microsoft.AspNetCore.Http.HttpContext http) =>
        project.Feature(http, static (p, h) => Create(p, h.RequestServices.GetRequiredService<ILoggerFactory>(),
            h.RequestServices.GetService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>()?.ApplicationStopping ?? CancellationToken.None));

    private static SchemaCacheState Create(SupacsProject project, ILoggerFactory loggers, CancellationToken stopping) =>
        new(project, Config.RestConfigState.For(project), loggers.CreateLogger("Supacs.Rest.Schema"), stopping);

    /// <summary>The current cache, loading it if needed; throws PGRST002 when it cannot be loaded.</summary>
    public async Task<SchemaCache> GetAsync(CancellationToken ct)
    {
        StartListening();
        Task<(SchemaCache, long)> load;
        lock (_gate)
        {
            if (_load is null || _load.IsFaulted || _load.IsCanceled) _load = LoadAsync();
            load = _load;
        }
        try
        {
            var (cache, _) = await load.WaitAsync(ct).ConfigureAwait(false);
            return cache;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            if (_last is not null) return _last;
            var error = new RestException(503, "PGRST002", "Could not query the database for the schema cache. Retrying.", (string?)null);
            error.Headers["Retry-After"] = "0";
            throw error;
        }
    }

    /// <summary>Starts a reload now; requests arriving meanwhile wait for it.</summary>
    public Task ReloadAsync()
    {
        Task load;
        lock (_gate) load = _load = LoadAsync();
        return load;
    }

    /// <summary>
    /// After a miss on <paramref name="seen"/>: if DDL committed since that cache was read, returns a cache that
    /// includes it (the current one when a reload already caught up, else after a fresh load); null otherwise.
    /// </summary>
    public async Task<SchemaCache?> RefreshIfStaleAsync(SchemaCache seen, CancellationToken ct)
    {
        long current;
        try
        {
            await using var cmd = _project.Database.Admin.CreateCommand(VersionSql);
            current = Convert.ToInt64(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (PostgresException)
        {
            return null;
        }
        if (current == seen.Version) return null;
        var latest = await GetAsync(ct).ConfigureAwait(false);
        if (latest.Version >= current) return latest;
        await ReloadAsync().WaitAsync(ct).ConfigureAwait(false);
        return await GetAsync(ct).ConfigureAwait(false);
    }

    private async Task<(SchemaCache, long)> LoadAsync()
    {
        var settings = await _config.RefreshAsync(_log, _stopping).ConfigureAwait(false);
        await using var conn = await _project.Database.Admin.OpenConnectionAsync(_stopping).ConfigureAwait(false);
        // One snapshot for the version row and the catalog: the version then names exactly the DDL this load saw.
        await using var tx = await conn.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, _stopping).ConfigureAwait(false);
        long version = -1;
        await using (var probe = new NpgsqlCommand("SELECT to_regclass('supacs_rest.schema_state') IS NOT NULL", conn, tx))
        {
            if ((bool)(await probe.ExecuteScalarAsync(_stopping).ConfigureAwait(false))!)
            {
                await using var cmd = new NpgsqlCommand(VersionSql, conn, tx);
                version = Convert.ToInt64(await cmd.ExecuteScalarAsync(_stopping).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        var cache = await SchemaLoader.LoadAsync(conn, settings.Schemas, _stopping).ConfigureAwait(false);
        cache.Version = version;
        await tx.CommitAsync(_stopping).ConfigureAwait(false);
        _last = cache;
        LogLoaded(_log, cache.Relations.Count, cache.Functions.Count);
        return (cache, version);
    }

    private void ReloadInBackground() =>
        ReloadAsync().ContinueWith(static t => t.Exception?.Handle(_ => true), CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    /// <summary>
    /// <c>reload config</c>: re-reads the in-database configuration; when the exposed schemas changed, reloads the
    /// cache, which publishes the new settings together with the cache that matches them.
    /// </summary>
    public async Task ReloadConfigAsync()
    {
        var before = _config.Current;
        var peek = await _config.PeekAsync(_log, _stopping).ConfigureAwait(false);
        if (Config.RestConfigState.SameSchemas(before, peek)) await _config.RefreshAsync(_log, _stopping).ConfigureAwait(false);
        else await ReloadAsync().ConfigureAwait(false);
    }

    private void ReloadConfigInBackground() =>
        ReloadConfigAsync().ContinueWith(static t => t.Exception?.Handle(_ => true), CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    private void StartListening()
    {
        if (!_config.Current.DbChannelEnabled) return;
        if (Interlocked.Exchange(ref _listening, 1) == 1) return;
        _ = Task.Run(ListenAsync);
    }

    /// <summary>LISTEN on db-channel (pgrst) on a dedicated admin connection; reconnects (and reloads) after failures.</summary>
    private async Task ListenAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                var builder = new NpgsqlConnectionStringBuilder(_project.Database.AdminConnectionString)
                {
                    Pooling = false, KeepAlive = 30, ApplicationName = "supacs-rest-listener",
                };
                await using var conn = new NpgsqlConnection(builder.ConnectionString);
                await conn.OpenAsync(_stopping).ConfigureAwait(false);
                conn.Notification += (_, e) =>
                {
                    if (e.Payload is "" or "reload schema")
                    {
                        LogReload(_log);
                        ReloadInBackground();
                    }
                    else if (e.Payload is "reload config")
                    {
                        LogReloadConfig(_log);
                        ReloadConfigInBackground();
                    }
                };
                await using (var cmd = new NpgsqlCommand("LISTEN " + Sql.Sql.Ident(_config.Current.DbChannel), conn))
                    await cmd.ExecuteNonQueryAsync(_stopping).ConfigureAwait(false);
                // Anything that changed before LISTEN took effect sent no notification we could see: reload once.
                ReloadInBackground();
                while (!_stopping.IsCancellationRequested) await conn.WaitAsync(_stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException or TimeoutException)
            {
                LogListenFailed(_log, e.Message);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), _stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                ReloadInBackground();
            }
        }
    }

    [LoggerMessage(EventId = 9001, Level = LogLevel.Debug, Message = "REST schema cache loaded: {Relations} relations, {Functions} function names")]
    private static partial void LogLoaded(ILogger log, int relations, int functions);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Debug, Message = "REST schema cache reload requested by NOTIFY pgrst")]
    private static partial void LogReload(ILogger log);

    [LoggerMessage(EventId = 9022, Level = LogLevel.Debug, Message = "REST configuration reload requested by NOTIFY pgrst")]
    private static partial void LogReloadConfig(ILogger log);

    [LoggerMessage(EventId = 9003, Level = LogLevel.Warning, Message = "REST schema listener lost its connection: {Reason}")]
    private static partial void LogListenFailed(ILogger log, string reason);
}
