using Microsoft.Extensions.Logging;
using Npgsql;
using Supacs.Core.Projects;

namespace Supacs.Rest.Config;

/// <summary>
/// A project's REST settings in effect: config.toml and <c>PGRST_*</c> variables, overridden by the in-database
/// configuration when db-config is on (PostgREST's order). The in-database part is re-read before every schema
/// cache load and on <c>NOTIFY pgrst, 'reload config'</c>, as PostgREST does; the file and environment are read once.
/// </summary>
internal sealed partial class RestConfigState : IDisposable
{
    private readonly SupacsProject _project;
    private readonly Func<string, string?> _env;
    private readonly RestSettings _base;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile RestSettings _current;

    /// <param name="envNames">The variable names <paramref name="env"/> knows (for the PGRST_APP_SETTINGS_* family).</param>
    public RestConfigState(SupacsProject project, Func<string, string?> env, IEnumerable<string> envNames)
    {
        _project = project;
        _env = env;
        _base = RestSettings.Read(project, env) with { AppSettings = RestSettings.ReadAppSettings(envNames, env) };
        _current = _base;
    }

    public static RestConfigState For(SupacsProject project) =>
        project.Feature(static p => new RestConfigState(p, Environment.GetEnvironmentVariable,
            Environment.GetEnvironmentVariables().Keys.Cast<string>()));

    public void Dispose() => _gate.Dispose();

    /// <summary>The settings in effect now.</summary>
    public RestSettings Current => _current;

    /// <summary>
    /// Re-reads the in-database configuration and returns the settings now in effect. When the pre-config function
    /// fails (or the settings query does), the in-database part is dropped with a warning, as PostgREST does; an
    /// unreachable database propagates.
    /// </summary>
    public async Task<RestSettings> RefreshAsync(ILogger log, CancellationToken ct)
    {
        if (!_base.DbConfig) return _current;
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var (next, names) = await ReadAsync(log, ct).ConfigureAwait(false);
            if (next != _current)
            {
                _current = next;
                Http.JwtCache.For(_project).Clear();
                LogChanged(log, names);
            }
            return _current;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The settings a refresh would put in effect now, without applying them.</summary>
    public async Task<RestSettings> PeekAsync(ILogger log, CancellationToken ct) =>
        _base.DbConfig ? (await ReadAsync(log, ct).ConfigureAwait(false)).Settings : _current;

    private async Task<(RestSettings Settings, string Names)> ReadAsync(ILogger log, CancellationToken ct)
    {
        Dictionary<string, string> inDb;
        Dictionary<string, ImpersonatedRoleSettings> roles;
        await using var conn = await _project.Database.Api.OpenConnectionAsync(ct).ConfigureAwait(false);
        try
        {
            inDb = await InDatabaseConfig.ReadAsync(conn, _current.PreConfig, ct).ConfigureAwait(false);
        }
        catch (PostgresException e)
        {
            LogReadFailed(log, e.MessageText);
            inDb = [];
        }
        try
        {
            roles = await InDatabaseConfig.ReadRoleSettingsAsync(conn, ct).ConfigureAwait(false);
        }
        catch (PostgresException e)
        {
            LogReadFailed(log, e.MessageText);
            roles = [];
        }
        var settings = inDb.Count == 0 ? _base : RestSettings.Read(_project, name => inDb.TryGetValue(name, out var v) ? v : _env(name));
        return (settings with { RoleSettings = new(roles), AppSettings = _base.AppSettings }, string.Join(", ", inDb.Keys.Order(StringComparer.Ordinal)));
    }

    /// <summary>True when both settings expose the same schemas in the same order (the schema cache depends on them).</summary>
    public static bool SameSchemas(RestSettings a, RestSettings b) => a.Schemas.Equals(b.Schemas);

    [LoggerMessage(EventId = 9020, Level = LogLevel.Warning, Message = "REST in-database configuration could not be read, using the file and environment only: {Reason}")]
    private static partial void LogReadFailed(ILogger log, string reason);

    [LoggerMessage(EventId = 9021, Level = LogLevel.Information, Message = "REST configuration reloaded; in-database settings: {Names}")]
    private static partial void LogChanged(ILogger log, string names);
}
