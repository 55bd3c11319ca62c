using Npgsql;
using Supacs.Core.Requests;

namespace Supacs.Core.Postgres;

/// <summary>
/// One transaction on behalf of one caller. Before any of the caller's SQL it sets, in the same round
/// trip as the first statement, the role and the <c>request.*</c> settings RLS policies read — exactly
/// what PostgREST sets, so policies written for Supabase behave the same. Dispose rolls back unless committed.
/// A single-batch scope (<see cref="BeginSingleBatchAsync"/>) sends no BEGIN/COMMIT: its one batch is
/// PostgreSQL's implicit transaction (all statements commit together at the batch's end, or none on an error).
/// </summary>
public sealed class DbScope : IAsyncDisposable
{
    private const string BaseSettingsSql =
        "SELECT set_config('role', $1, true), set_config('request.jwt.claims', $2, true), " +
        "set_config('request.jwt.claim.sub', $3, true), set_config('request.jwt.claim.role', $1, true), " +
        "set_config('request.method', $4, true), set_config('request.path', $5, true), " +
        "set_config('request.headers', $6, true), set_config('request.cookies', $7, true)";

    // The optional search_path and READ ONLY ride in the same statement (one statement less per request on the hot path
    // than setting them separately); four fixed texts, so each is prepared once per backend.
    // The outer SELECT answers one NULL instead of echoing every value set (the claims and headers JSON came back in
    // full on every request); set_config is volatile, so PostgreSQL still evaluates each one.
    private static readonly string[] SettingsSqlVariants =
    [
        "SELECT NULL FROM (" + BaseSettingsSql + ") AS settings",
        "SELECT NULL FROM (" + BaseSettingsSql + ", set_config('search_path', $8, true)) AS settings",
        "SELECT NULL FROM (" + BaseSettingsSql + ", set_config('transaction_read_only', 'on', true)) AS settings",
        "SELECT NULL FROM (" + BaseSettingsSql + ", set_config('search_path', $8, true), set_config('transaction_read_only', 'on', true)) AS settings",
    ];

    private readonly DbScopeSettings _settings;
    private readonly string _settingsSql;
    private readonly NpgsqlTransaction? _transaction;
    private bool _settingsSent;
    private bool _completed;

    private DbScope(NpgsqlConnection connection, NpgsqlTransaction? transaction, DbScopeSettings settings)
    {
        Connection = connection;
        _transaction = transaction;
        _settings = settings;
        _settingsSql = SettingsSqlVariants[(settings.SearchPath is null ? 0 : 1) + (settings.ReadOnly ? 2 : 0)];
    }

    public NpgsqlConnection Connection { get; }

    /// <summary>The explicit transaction (not available in a single-batch scope).</summary>
    public NpgsqlTransaction Transaction =>
        _transaction ?? throw new InvalidOperationException("A single-batch DbScope has no explicit transaction.");

    /// <summary>True for a scope whose one batch is the whole (implicit) transaction.</summary>
    public bool IsSingleBatch => _transaction is null;

    public RequestIdentity Identity => _settings.Identity;

    /// <summary>Opens a pooled connection and begins the transaction; settings go out with the first statement.</summary>
    public static async Task<DbScope> BeginAsync(NpgsqlDataSource dataSource, DbScopeSettings settings,
        System.Data.IsolationLevel isolation = System.Data.IsolationLevel.ReadCommitted, CancellationToken ct = default)
    {
        var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        try
        {
            var tx = await connection.BeginTransactionAsync(isolation, ct).ConfigureAwait(false);
            return new DbScope(connection, tx, settings);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Opens a pooled connection for exactly one batch (from <see cref="CreateBatch"/>) that runs as PostgreSQL's
    /// implicit transaction: settings, the caller's statements and the commit in one round trip. For work whose
    /// outcome (commit) is known before it runs; <see cref="RollbackAsync"/> is not available.
    /// </summary>
    public static async Task<DbScope> BeginSingleBatchAsync(NpgsqlDataSource dataSource, DbScopeSettings settings, CancellationToken ct = default)
    {
        var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return new DbScope(connection, null, settings);
    }

    /// <summary>
    /// A batch whose first command applies the settings when they have not been sent yet. Read its
    /// results with <see cref="ExecuteReaderAsync"/>, which steps past the settings row.
    /// </summary>
    public NpgsqlBatch CreateBatch()
    {
        if (IsSingleBatch && _settingsSent)
            throw new InvalidOperationException("A single-batch DbScope runs one batch only.");
        var batch = new NpgsqlBatch(Connection, _transaction);
        if (!_settingsSent) batch.BatchCommands.Add(CreateSettingsCommand());
        return batch;
    }

    public async Task<NpgsqlDataReader> ExecuteReaderAsync(NpgsqlBatch batch, CancellationToken ct = default)
    {
        var includesSettings = !_settingsSent && batch.BatchCommands.Count > 0 && ReferenceEquals(batch.BatchCommands[0].CommandText, _settingsSql);
        var reader = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false);
        if (includesSettings)
        {
            _settingsSent = true;
            await reader.NextResultAsync(ct).ConfigureAwait(false);
        }
        return reader;
    }

    /// <summary>Sends the settings now (pipelined with BEGIN) when a caller wants plain commands.</summary>
    public async ValueTask EnsureSettingsAsync(CancellationToken ct = default)
    {
        if (_settingsSent) return;
        if (IsSingleBatch) throw new InvalidOperationException("A single-batch DbScope sends its settings with its batch.");
        await using var cmd = new NpgsqlCommand(_settingsSql, Connection, _transaction);
        AddSettingsParameters(cmd.Parameters);
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        _settingsSent = true;
    }

    /// <summary>A command in this scope; settings are applied first if needed.</summary>
    public async ValueTask<NpgsqlCommand> CreateCommandAsync(string sql, CancellationToken ct = default)
    {
        await EnsureSettingsAsync(ct).ConfigureAwait(false);
        return new NpgsqlCommand(sql, Connection, _transaction);
    }

    /// <summary>Switches to another role inside this transaction (e.g. service_role for a privileged step).</summary>
    public async ValueTask SetRoleAsync(string role, CancellationToken ct = default)
    {
        await EnsureSettingsAsync(ct).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand("SELECT set_config('role', $1, true)", Connection, _transaction);
        cmd.Parameters.Add(new NpgsqlParameter { Value = role });
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Commits; in a single-batch scope the batch already committed when it completed.</summary>
    public async Task CommitAsync(CancellationToken ct = default)
    {
        _completed = true;
        if (_transaction is not null) await _transaction.CommitAsync(ct).ConfigureAwait(false);
    }

    public async Task RollbackAsync(CancellationToken ct = default)
    {
        _completed = true;
        await Transaction.RollbackAsync(ct).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_transaction is not null)
        {
            try
            {
                if (!_completed && Connection.State == System.Data.ConnectionState.Open)
                    await _transaction.RollbackAsync().ConfigureAwait(false);
            }
            catch (NpgsqlException) { }
            catch (InvalidOperationException) { }
            await _transaction.DisposeAsync().ConfigureAwait(false);
        }
        await Connection.DisposeAsync().ConfigureAwait(false);
    }

    private NpgsqlBatchCommand CreateSettingsCommand()
    {
        var cmd = new NpgsqlBatchCommand(_settingsSql);
        AddSettingsParameters(cmd.Parameters);
        return cmd;
    }

    private void AddSettingsParameters(NpgsqlParameterCollection parameters)
    {
        var s = _settings;
        parameters.Add(new NpgsqlParameter { Value = s.Identity.Role });
        parameters.Add(new NpgsqlParameter { Value = s.Identity.ClaimsJson });
        parameters.Add(new NpgsqlParameter { Value = s.Identity.Subject ?? "" });
        parameters.Add(new NpgsqlParameter { Value = s.Method ?? "" });
        parameters.Add(new NpgsqlParameter { Value = s.Path ?? "" });
        parameters.Add(new NpgsqlParameter { Value = s.HeadersJson ?? "{}" });
        parameters.Add(new NpgsqlParameter { Value = s.CookiesJson ?? "{}" });
        if (s.SearchPath is not null) parameters.Add(new NpgsqlParameter { Value = s.SearchPath });
    }
}

/// <summary>
/// What a <see cref="DbScope"/> sets before the caller's SQL: role and <c>request.*</c> settings, and optionally the
/// transaction's search_path and READ ONLY.
/// </summary>
public sealed record DbScopeSettings(RequestIdentity Identity, string? Method = null, string? Path = null,
    string? HeadersJson = null, string? CookiesJson = null)
{
    /// <summary>A search_path for the transaction (a ready-quoted list), or null to keep the role's.</summary>
    public string? SearchPath { get; init; }

    /// <summary>True to make the transaction READ ONLY.</summary>
    public bool ReadOnly { get; init; }
}
