using System.Collections.Concurrent;
using Npgsql;
using Supacs.Core.Projects;
using Supacs.Rest.Schema;

namespace Supacs.Rest.Http;

/// <summary>
/// Which generated statements run as server-side prepared statements (PostgREST's db-prepared-statements).
/// A statement text is prepared once it has run successfully twice under the current schema cache, so a
/// one-off or failing shape (the fuzz test's) never is; preparation is explicit, in its own round trip
/// before the batch, never Npgsql's auto-prepare inside a batch that may fail (npgsql/npgsql#6391). Prepared
/// statements live on the pooled backend; when the schema cache is reloaded (DDL), a backend's statements are
/// dropped before its next prepared use, so a changed column type never meets a stale parameter type.
/// </summary>
internal sealed class StatementPreparer
{
    /// <summary>Distinct statement texts prepared per schema generation (PostgREST prepares every one).</summary>
    private const int MaxPrepared = 256;
    private const int MaxTracked = 4096;
    private const int UsesBeforePrepare = 2;

    private readonly Lock _gate = new();
    private SchemaCache? _cache;
    private int _generation;
    private ConcurrentDictionary<string, int> _uses = new(StringComparer.Ordinal);
    private int _prepared;
    private readonly ConcurrentDictionary<int, int> _backendGeneration = new();

    public static StatementPreparer For(SupacsProject project) => project.Feature(static _ => new StatementPreparer());

    /// <summary>The tracking table for <paramref name="cache"/>'s generation (a new cache starts a new one).</summary>
    private (ConcurrentDictionary<string, int> Uses, int Generation) Current(SchemaCache cache)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(_cache, cache))
            {
                _cache = cache;
                _generation++;
                _uses = new(StringComparer.Ordinal);
                _prepared = 0;
            }
            return (_uses, _generation);
        }
    }

    /// <summary>True when <paramref name="sql"/> (the request's main statement) should run prepared.</summary>
    public bool ShouldPrepare(SchemaCache cache, string sql) =>
        Current(cache).Uses.TryGetValue(sql, out var n) && n >= UsesBeforePrepare;

    /// <summary>Records a successful run of <paramref name="sql"/>.</summary>
    public void Succeeded(SchemaCache cache, string sql)
    {
        var (uses, _) = Current(cache);
        if (uses.TryGetValue(sql, out var n))
        {
            if (n >= UsesBeforePrepare) return;
            if (n + 1 >= UsesBeforePrepare && Interlocked.Increment(ref _prepared) > MaxPrepared) return;
            uses[sql] = n + 1;
        }
        else if (uses.Count < MaxTracked)
        {
            uses.TryAdd(sql, 1);
        }
    }

    /// <summary>
    /// Prepares every statement of <paramref name="batch"/> on this connection (no round trip when they already
    /// are). A backend still holding statements of an older schema generation drops them first.
    /// </summary>
    public async Task PrepareAsync(SchemaCache cache, NpgsqlConnection connection, NpgsqlBatch batch, CancellationToken ct)
    {
        var (_, generation) = Current(cache);
        var pid = connection.ProcessID;
        if (_backendGeneration.TryGetValue(pid, out var seen) && seen != generation)
        {
            connection.UnprepareAll();
        }
        _backendGeneration[pid] = generation;
        await batch.PrepareAsync(ct).ConfigureAwait(false);
    }
}
