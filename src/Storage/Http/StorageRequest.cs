using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Npgsql;
using Supacs.Core.Keys;
using Supacs.Core.Postgres;
using Supacs.Core.Projects;
using Supacs.Core.Requests;

namespace Supacs.Storage.Http;

/// <summary>How a route authenticates: a JWT is required, optional (anon without one), or not read at all.</summary>
internal enum AuthMode { Required, Optional, None }

/// <summary>One Storage request: its project state and caller, and transactions on the caller's behalf.</summary>
internal sealed class StorageRequest
{
    private StorageRequest(HttpContext http, StorageState state, RequestIdentity identity)
    {
        Http = http;
        State = state;
        Identity = identity;
    }

    public HttpContext Http { get; }
    public StorageState State { get; }
    public SupacsProject Project => State.Project;
    public RequestIdentity Identity { get; }
    public CancellationToken Aborted => Http.RequestAborted;

    public static async Task<StorageRequest> CreateAsync(HttpContext http, AuthMode mode)
    {
        var project = http.GetSupacsProject();
        var state = StorageState.Of(project);
        await state.EnsureConfiguredBucketsAsync(http.RequestAborted).ConfigureAwait(false);
        var identity = RequestIdentity.Anonymous();
        if (mode != AuthMode.None)
        {
            var token = RequestIdentityResolver.BearerToken(http.Request);
            if (token is null)
            {
                if (mode == AuthMode.Required)
                    throw new StorageError("403", "Unauthorized", "headers must have required property 'authorization'", "AccessDenied");
            }
            else
            {
                var result = await RequestIdentityResolver.ResolveTokenAsync(token, project.Keys).ConfigureAwait(false);
                if (result.Identity is not null) identity = result.Identity;
                else if (mode == AuthMode.Required) throw new StorageError("403", "Unauthorized", JwtMessage(result.Failure), "AccessDenied");
            }
        }
        return new StorageRequest(http, state, identity);
    }

    /// <summary>A request whose caller was established another way (S3 signatures).</summary>
    public static async Task<StorageRequest> ForIdentityAsync(HttpContext http, StorageState state, RequestIdentity identity)
    {
        await state.EnsureConfiguredBucketsAsync(http.RequestAborted).ConfigureAwait(false);
        return new StorageRequest(http, state, identity);
    }

    public static string JwtMessage(JwtFailure failure) => failure switch
    {
        JwtFailure.Expired => "jwt expired",
        JwtFailure.InvalidSignature => "invalid signature",
        JwtFailure.NotYetValid => "jwt not active",
        _ => "jwt malformed",
    };

    /// <summary>
    /// A transaction as the caller (role and claims set as PostgREST does) with <c>storage.operation</c>
    /// and <c>storage.allow_delete_query</c> set in the same round trip.
    /// </summary>
    public async Task<StorageScope> BeginAsync(string operation)
    {
        var settings = new DbScopeSettings(Identity, Http.Request.Method, Http.Request.Path.Value, HeadersJson());
        var scope = await DbScope.BeginAsync(Project.Database.Api, settings, ct: Aborted).ConfigureAwait(false);
        var prelude = new NpgsqlBatchCommand("SELECT set_config('storage.operation', $1, true), set_config('storage.allow_delete_query', 'true', true)");
        prelude.Parameters.Add(new NpgsqlParameter { Value = operation });
        return new StorageScope(scope, Identity.Role, prelude, Aborted);
    }

    private string HeadersJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            foreach (var (name, value) in Http.Request.Headers)
                if (!string.Equals(name, "cookie", StringComparison.OrdinalIgnoreCase))
                    w.WriteString(name.ToLowerInvariant(), value.ToString());
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}

/// <summary>
/// A caller's transaction that can step up to service_role for the privileged steps and back. Settings and role
/// switches are not sent on their own: they ride in the same batch as the next statement, so a typical request
/// costs one round trip per query.
/// </summary>
internal sealed class StorageScope(DbScope scope, string userRole, NpgsqlBatchCommand prelude, CancellationToken ct) : IAsyncDisposable
{
    private readonly string _userRole = userRole;
    private NpgsqlBatchCommand? _prelude = prelude;
    private string _role = userRole;
    private string _wantedRole = userRole;
    private readonly List<NpgsqlBatch> _batches = [];

    public DbScope Db => scope;
    public CancellationToken Aborted => ct;

    public ValueTask AsServiceAsync()
    {
        _wantedRole = "service_role";
        return ValueTask.CompletedTask;
    }

    public ValueTask AsUserAsync()
    {
        _wantedRole = _userRole;
        return ValueTask.CompletedTask;
    }

    /// <summary>Runs <paramref name="sql"/> with any pending settings/role switch in the same round trip; the reader is at its result.</summary>
    public async Task<NpgsqlDataReader> ReaderAsync(string sql, params object?[] args)
    {
        var (batch, skip) = Prepare(sql, args);
        return await OpenAtAsync(batch, skip).ConfigureAwait(false);
    }

    /// <summary>
    /// Several statements (which may switch roles themselves) in one round trip; the reader is at the first
    /// statement's result. <paramref name="roleAfter"/> is the role in effect once they have run.
    /// </summary>
    public async Task<NpgsqlDataReader> MultiAsync(IReadOnlyList<(string Sql, object?[] Args)> statements, string roleAfter)
    {
        var (batch, skip) = NewBatch();
        foreach (var (sql, args) in statements)
        {
            var cmd = new NpgsqlBatchCommand(sql);
            foreach (var a in args) cmd.Parameters.Add(a as NpgsqlParameter ?? new NpgsqlParameter { Value = a ?? DBNull.Value });
            batch.BatchCommands.Add(cmd);
        }
        _role = roleAfter;
        return await OpenAtAsync(batch, skip).ConfigureAwait(false);
    }

    /// <summary>Runs the batch and moves past the <paramref name="skip"/> settings statements in front of the caller's first one.</summary>
    private async Task<NpgsqlDataReader> OpenAtAsync(NpgsqlBatch batch, int skip)
    {
        var reader = await scope.ExecuteReaderAsync(batch, ct).ConfigureAwait(false);
        try
        {
            for (var i = 0; i < skip; i++) await reader.NextResultAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            await reader.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return reader;
    }

    public string UserRole => _userRole;

    public async Task<object?> ScalarAsync(string sql, params object?[] args)
    {
        await using var r = await ReaderAsync(sql, args).ConfigureAwait(false);
        return await r.ReadAsync(ct).ConfigureAwait(false) && !r.IsDBNull(0) ? r.GetValue(0) : null;
    }

    public async Task<int> ExecuteAsync(string sql, params object?[] args)
    {
        var (batch, skip) = Prepare(sql, args);
        await using (var r = await scope.ExecuteReaderAsync(batch, ct).ConfigureAwait(false))
            while (await r.NextResultAsync(ct).ConfigureAwait(false)) { }
        return batch.BatchCommands[^1].RecordsAffected;
    }

    /// <summary>A plain command for callers that want one; pending settings and role are sent first.</summary>
    public async Task<NpgsqlCommand> CommandAsync(string sql, params object?[] args)
    {
        if (_prelude is not null || _role != _wantedRole) await ExecuteAsync("SELECT 1").ConfigureAwait(false);
        var cmd = await scope.CreateCommandAsync(sql, ct).ConfigureAwait(false);
        foreach (var a in args) cmd.Parameters.Add(a as NpgsqlParameter ?? new NpgsqlParameter { Value = a ?? DBNull.Value });
        return cmd;
    }

    private (NpgsqlBatch Batch, int Skip) Prepare(string sql, object?[] args)
    {
        var (batch, skip) = NewBatch();
        if (_role != _wantedRole)
        {
            var role = new NpgsqlBatchCommand("SELECT set_config('role', $1, true)");
            role.Parameters.Add(new NpgsqlParameter { Value = _wantedRole });
            batch.BatchCommands.Add(role);
            _role = _wantedRole;
            skip++;
        }
        var cmd = new NpgsqlBatchCommand(sql);
        foreach (var a in args) cmd.Parameters.Add(a as NpgsqlParameter ?? new NpgsqlParameter { Value = a ?? DBNull.Value });
        batch.BatchCommands.Add(cmd);
        return (batch, skip);
    }

    /// <summary>A batch owned by the scope, starting with the pending settings statement if any; Skip = results to pass over.</summary>
    private (NpgsqlBatch Batch, int Skip) NewBatch()
    {
        var batch = scope.CreateBatch();
        _batches.Add(batch);
        if (_prelude is null) return (batch, 0);
        batch.BatchCommands.Add(_prelude);
        _prelude = null;
        return (batch, 1);
    }

    /// <summary>Runs <paramref name="sql"/> inside a savepoint that is always rolled back: a permission probe (one round trip when it succeeds).</summary>
    public async Task ProbeAsync(string sql, params object?[] args)
    {
        var (batch, skip) = Prepare("ROLLBACK TO SAVEPOINT probe", []);
        var probe = new NpgsqlBatchCommand(sql);
        foreach (var a in args) probe.Parameters.Add(a as NpgsqlParameter ?? new NpgsqlParameter { Value = a ?? DBNull.Value });
        batch.BatchCommands.Insert(batch.BatchCommands.Count - 1, new NpgsqlBatchCommand("SAVEPOINT probe"));
        batch.BatchCommands.Insert(batch.BatchCommands.Count - 1, probe);
        try
        {
            await using var r = await scope.ExecuteReaderAsync(batch, ct).ConfigureAwait(false);
            while (await r.NextResultAsync(ct).ConfigureAwait(false)) { }
        }
        catch (PostgresException)
        {
            await using var rollback = new NpgsqlCommand("ROLLBACK TO SAVEPOINT probe", scope.Connection, scope.Transaction);
            await rollback.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            throw;
        }
    }

    public async Task CommitAsync()
    {
        await scope.CommitAsync(ct).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var b in _batches) await b.DisposeAsync().ConfigureAwait(false);
        await scope.DisposeAsync().ConfigureAwait(false);
    }
}
