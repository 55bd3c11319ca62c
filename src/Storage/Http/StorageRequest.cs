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
        try
        {
            await using var batch = scope.CreateBatch();
            var cmd = new NpgsqlBatchCommand("SELECT set_config('storage.operation', $1, true), set_config('storage.allow_delete_query', 'true', true)");
            cmd.Parameters.Add(new NpgsqlParameter { Value = operation });
            batch.BatchCommands.Add(cmd);
            await using (await scope.ExecuteReaderAsync(batch, Aborted).ConfigureAwait(false)) { }
            return new StorageScope(scope, Identity.Role, Aborted);
        }
        catch
        {
            await scope.DisposeAsync().ConfigureAwait(false);
            throw;
        }
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

/// <summary>A caller's transaction that can step up to service_role for the privileged steps and back.</summary>
internal sealed class StorageScope(DbScope scope, string userRole, CancellationToken ct) : IAsyncDisposable
{
    private readonly string _userRole = userRole;
    private string _role = userRole;

    public DbScope Db => scope;
    public CancellationToken Aborted => ct;

    public ValueTask AsServiceAsync() => SwitchAsync("service_role");
    public ValueTask AsUserAsync() => SwitchAsync(_userRole);

    private async ValueTask SwitchAsync(string role)
    {
        if (_role == role) return;
        await scope.SetRoleAsync(role, ct).ConfigureAwait(false);
        _role = role;
    }

    public async Task<NpgsqlCommand> CommandAsync(string sql, params object?[] args)
    {
        var cmd = await scope.CreateCommandAsync(sql, ct).ConfigureAwait(false);
        foreach (var a in args) cmd.Parameters.Add(a as NpgsqlParameter ?? new NpgsqlParameter { Value = a ?? DBNull.Value });
        return cmd;
    }

    public async Task<int> ExecuteAsync(string sql, params object?[] args)
    {
        await using var cmd = await CommandAsync(sql, args).ConfigureAwait(false);
        return await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="sql"/> inside a savepoint that is always rolled back: a permission probe.</summary>
    public async Task ProbeAsync(string sql, params object?[] args)
    {
        await ExecuteAsync("SAVEPOINT probe").ConfigureAwait(false);
        try
        {
            await ExecuteAsync(sql, args).ConfigureAwait(false);
        }
        finally
        {
            await using var rollback = new NpgsqlCommand("ROLLBACK TO SAVEPOINT probe", scope.Connection, scope.Transaction);
            await rollback.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
    }

    public Task CommitAsync() => scope.CommitAsync(ct);

    public ValueTask DisposeAsync() => scope.DisposeAsync();
}
