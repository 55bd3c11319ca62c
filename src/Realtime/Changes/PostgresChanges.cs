using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npgsql;
using Supacs.Core.Postgres;
using Supacs.Core.Projects;
using Supacs.Core.Requests;
using Supacs.Realtime.Channels;
using Supacs.Realtime.Protocol;

namespace Supacs.Realtime.Changes;

/// <summary>A broadcast stored in realtime.messages: topic (no prefix), event, payload JSON, private flag and row id.</summary>
internal sealed record DatabaseMessage(string Topic, string Event, string PayloadJson, bool Private, string? Id, byte[]? Binary = null);

/// <summary>Outcome of preparing a channel's postgres_changes entries: the validated bindings, or the system error to send.</summary>
internal sealed record ChangeSubscription(string? Error, IReadOnlyList<ChangeBinding> Bindings, bool FailJoin = false)
{
    public static readonly ChangeSubscription None = new(null, []);
}

/// <summary>One postgres_changes entry of one channel, validated against the publication.</summary>
internal sealed record ChangeBinding(JoinedChannel Channel, PostgresChangeRequest Request, string Schema, string? Table, ChangeFilter? Filter)
{
    public bool Matches(RowChange change)
    {
        if (Request.Event != "*" && !string.Equals(Request.Event, change.Type, StringComparison.OrdinalIgnoreCase)) return false;
        if (Schema != "*" && Schema != change.Relation.Schema) return false;
        if (Table is not null && Table != "*" && Table != change.Relation.Table) return false;
        if (Filter is null) return true;
        return Filter.Matches(name =>
        {
            var column = change.Relation.IndexOf(name);
            return column < 0 ? null : change.FilterValue(column);
        });
    }
}

/// <summary>
/// The postgres_changes pipeline of one project: bindings registered in memory, one pgoutput stream per database (on the
/// node holding the replication lock; the others receive its transactions over the backplane), and per
/// committed transaction an RLS visibility check run once per distinct (role, claims) group and table — not per subscriber.
/// </summary>
internal sealed partial class PostgresChanges(SupacsProject project, RealtimeOptions options, Action<DatabaseMessage> onMessage, RealtimeMetrics metrics, ILogger logger) : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _maintenance;
    private ChangeBinding[] _bindings = [];
    private SlotLeader? _leader;
    private Task? _dispatch;

    /// <summary>Called with each transaction this node streams, for the other nodes (set by the hub: the backplane).</summary>
    public Action<CommittedTransaction>? Forward { get; set; }

    /// <summary>Called when this node's stream goes live (set by the hub: tells the other nodes at once).</summary>
    public Action? BecameLive { get; set; }

    /// <summary>The pipeline: the slot leadership (this node streams, or receives from the node that does) and the dispatch loop.</summary>
    private SlotLeader Leader
    {
        get
        {
            lock (_lock)
            {
                if (_leader is null)
                {
                    _leader = new SlotLeader(project.Database.AdminConnectionString, project.Database.Admin, options, logger)
                    {
                        Forward = tx => Forward?.Invoke(tx),
                        BecameLive = () => BecameLive?.Invoke(),
                    };
                    _leader.Start();
                    _dispatch = Task.Run(DispatchLoopAsync);
                    _maintenance = Task.Run(MaintainPartitionsAsync);
                }
                return _leader;
            }
        }
    }

    /// <summary>True while this node streams the slot and it is live (announced to the other nodes in heartbeats).</summary>
    public bool IsLeaderLive => Volatile.Read(ref _leader) is { IsLeaderLive: true };

    /// <summary>True while this node holds the replication lock.</summary>
    public bool IsLeader => Volatile.Read(ref _leader) is { IsLeader: true };

    /// <summary>A transaction streamed by the leader on another node (ignored until this node's pipeline runs).</summary>
    public void OnRemoteTransaction(CommittedTransaction tx) => Volatile.Read(ref _leader)?.OnRemoteTransaction(tx);

    public void OnRemoteLeaderLive(string node) => Volatile.Read(ref _leader)?.OnRemoteLeaderLive(node);

    public void OnNodeGone(string node) => Volatile.Read(ref _leader)?.OnNodeGone(node);

    /// <summary>Starts the pipeline (broadcasts from the database flow as soon as any channel exists).</summary>
    public void EnsureStarted() => _ = Leader;

    /// <summary>Starts the pipeline and waits (bounded) until a stream is live, so a join's reply means database broadcasts flow.</summary>
    public async Task WaitLiveAsync(TimeSpan timeout)
    {
        var leader = Leader;
        if (leader.Failing) return;
        try
        {
            await leader.Live.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Log.NotLive(logger);
        }
    }

    /// <summary>Starts the pipeline and waits until a stream is live (this node's or the leader's); false after <paramref name="timeout"/>.</summary>
    public async Task<bool> TryWaitLiveAsync(TimeSpan timeout)
    {
        try
        {
            await Leader.Live.WaitAsync(timeout).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Creates tomorrow's realtime.messages partitions and drops those older than 72 hours, hourly.</summary>
    private async Task MaintainPartitionsAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                try
                {
                    await using var cmd = project.Database.Admin.CreateCommand("SELECT realtime.supacs_maintain_partitions()");
                    await cmd.ExecuteNonQueryAsync(_stop.Token).ConfigureAwait(false);
                }
                catch (NpgsqlException e)
                {
                    Log.MaintenanceFailed(logger, e);
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>Validates the entries against the publication's tables and columns.</summary>
    public async Task<ChangeSubscription> PrepareAsync(JoinedChannel channel)
    {
        var requests = channel.Config.PostgresChanges;
        if (requests.Count == 0) return ChangeSubscription.None;
        var published = await PublishedTablesAsync().ConfigureAwait(false);
        var bindings = new List<ChangeBinding>();
        foreach (var r in requests)
        {
            var schema = r.Schema is null or "" ? "public" : r.Schema;
            var table = r.Table is null or "*" ? null : r.Table;
            var matching = published.Where(t => (schema == "*" || t.Schema == schema) && (table is null || t.Table == table)).ToList();
            if (matching.Count == 0)
                return new ChangeSubscription($"Unable to subscribe to changes with given parameters. Please check Realtime is enabled for the given connect parameters: [event: {r.Event}, schema: {schema}, table: {r.Table ?? "*"}, filters: [{r.Filter}]]", []);
            ChangeFilter? filter = null;
            if (r.Filter is { Length: > 0 })
            {
                filter = ChangeFilter.Parse(r.Filter, out var error);
                if (filter is null) return new ChangeSubscription(error, []);
                if (table is null)
                    return new ChangeSubscription($"Unable to subscribe to changes with given parameters. A filter needs a table: {r.Filter}", []);
                var unknown = filter.Columns.FirstOrDefault(c => !matching[0].Columns.Contains(c));
                if (unknown is not null)
                    return new ChangeSubscription($"Unable to subscribe to changes with given parameters. Invalid column for filter {unknown}", []);
            }
            if (r.Select is { } select && table is not null)
            {
                var unknownColumn = select.FirstOrDefault(c => !matching[0].Columns.Contains(c));
                if (unknownColumn is not null)
                    return new ChangeSubscription($"Unable to subscribe to changes with given parameters. Invalid column for select {unknownColumn}", []);
            }
            bindings.Add(new ChangeBinding(channel, r, schema, table, filter));
        }
        return new ChangeSubscription(null, bindings);
    }

    /// <summary>Registers the bindings, waits until the stream is live, then says "Subscribed to PostgreSQL".</summary>
    public async Task ActivateAsync(JoinedChannel channel, ChangeSubscription subscription)
    {
        lock (_lock) _bindings = [.. _bindings, .. subscription.Bindings];
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await Leader.Live.WaitAsync(timeout.Token).ConfigureAwait(false);
            if (!channel.Closed) channel.Socket.PushSystem(channel, "postgres_changes", ok: true, "Subscribed to PostgreSQL");
        }
        catch (Exception e)
        {
            Log.ActivateFailed(logger, e);
            if (!channel.Closed) channel.Socket.PushSystem(channel, "postgres_changes", ok: false, "Unable to subscribe to changes: the replication stream is not available");
        }
    }

    public void Unsubscribe(JoinedChannel channel)
    {
        lock (_lock)
        {
            if (Array.Exists(_bindings, b => b.Channel == channel))
                _bindings = Array.FindAll(_bindings, b => b.Channel != channel);
        }
    }

    /// <summary>The channel's identity changed (access_token): the next dispatch regroups the bindings.</summary>
    public void UpdateIdentity(JoinedChannel channel) => Interlocked.Increment(ref _identityVersion);

    private int _identityVersion;
    private (ChangeBinding[] Bindings, int Version, Dictionary<string, GroupBindings> Groups)? _plan;

    /// <summary>
    /// One (role, claims) group's bindings, by spec (event, schema, table, filter): bindings with the same spec match the
    /// same changes, so each spec is matched once per change whatever the number of channels sharing it.
    /// </summary>
    private sealed class GroupBindings(RequestIdentity identity)
    {
        public RequestIdentity Identity { get; } = identity;
        public List<List<ChangeBinding>> Specs { get; } = [];
        public Dictionary<string, List<ChangeBinding>> BySpec { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>The bindings grouped by (role, claims), then by spec; rebuilt only when bindings or identities change.</summary>
    private Dictionary<string, GroupBindings> Plan(ChangeBinding[] bindings)
    {
        var version = Volatile.Read(ref _identityVersion);
        if (_plan is { } cached && ReferenceEquals(cached.Bindings, bindings) && cached.Version == version) return cached.Groups;
        var groups = new Dictionary<string, GroupBindings>(StringComparer.Ordinal);
        var keys = new Dictionary<RequestIdentity, string>(ReferenceEqualityComparer.Instance);
        foreach (var b in bindings)
        {
            if (b.Channel.Closed) continue;
            var identity = b.Channel.Identity;
            if (!keys.TryGetValue(identity, out var key)) keys[identity] = key = GroupKey(identity);
            if (!groups.TryGetValue(key, out var g)) groups[key] = g = new GroupBindings(identity);
            var spec = b.Request.Event + "\n" + b.Schema + "\n" + b.Table + "\n" + b.Request.Filter + "\n" + (b.Request.Select is { } sel ? string.Join(",", sel) : "*");
            if (!g.BySpec.TryGetValue(spec, out var same))
            {
                g.BySpec[spec] = same = [];
                g.Specs.Add(same);
            }
            same.Add(b);
        }
        _plan = (bindings, version, groups);
        return groups;
    }

    private async Task DispatchLoopAsync()
    {
        var reader = Leader.Transactions.Reader;
        var batch = new List<CommittedTransaction>();
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // Under load, transactions that queued up are authorised together: one visibility round trip for all of them.
            batch.Clear();
            while (batch.Count < 1000 && reader.TryRead(out var tx)) batch.Add(tx);
            try
            {
                await DispatchAsync(batch).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Log.DispatchFailed(logger, e);
            }
            _leader?.Acknowledge(batch[^1].EndLsn);
        }
    }

    private async Task DispatchAsync(List<CommittedTransaction> batch)
    {
        foreach (var tx in batch)
            foreach (var change in tx.Changes)
                if (change.Relation.Schema == "realtime" && change.Relation.Table == "messages" && change.Type == "INSERT")
                    DeliverMessage(change);
        var bindings = Volatile.Read(ref _bindings);
        if (bindings.Length == 0) return;

        // Bindings grouped by (role, claims): matching, the RLS decision and delivery all go group by group.
        var byGroup = Plan(bindings);

        // Per group, the changes one of its bindings matches.
        var changes = new List<(RowChange Change, string CommitTimestamp)>();
        foreach (var tx in batch)
        {
            string? commitTimestamp = null;
            foreach (var change in tx.Changes)
            {
                commitTimestamp ??= tx.CommitTimestamp.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
                changes.Add((change, commitTimestamp));
            }
        }
        var candidates = new Dictionary<string, (RequestIdentity Identity, List<RowChange> Rows)>(StringComparer.Ordinal);
        var deleted = new Dictionary<string, List<RowChange>>(StringComparer.Ordinal);
        foreach (var (key, group) in byGroup)
        {
            List<RowChange>? rows = null, deletes = null;
            foreach (var (change, _) in changes)
            {
                var any = false;
                foreach (var spec in group.Specs)
                    if (spec[0].Matches(change)) { any = true; break; }
                if (!any) continue;
                // DELETEs bypass RLS, as upstream.
                if (change.Type == "DELETE") (deletes ??= []).Add(change);
                else (rows ??= []).Add(change);
            }
            if (rows is not null) candidates[key] = (group.Identity, rows);
            if (deletes is not null) deleted[key] = deletes;
        }
        if (candidates.Count == 0 && deleted.Count == 0) return;
        var xids = batch.Select(t => t.Xid).Where(x => x != 0).Distinct().Select(x => (long)x).ToArray();
        var errors = new Dictionary<string, Dictionary<RowChange, string>>(StringComparer.Ordinal);
        var visible = candidates.Count == 0 ? [] : await VisibleAsync(candidates, xids, errors).ConfigureAwait(false);
        foreach (var (key, rows) in deleted)
        {
            if (!visible.TryGetValue(key, out var set)) visible[key] = set = new HashSet<RowChange>(ReferenceEqualityComparer.Instance);
            set.UnionWith(rows);
        }

        // Deliver group by group, each group's changes in commit order (a channel belongs to one group, so its messages keep
        // commit order): one data object per change, one payload per change and id list, one frame copy per channel.
        long delivered = 0;
        var channels = new Dictionary<JoinedChannel, (List<int> Ids, HashSet<string>? Select)>();
        // Per change: the data object per column selection ("*" = all), and the payload per selection and id list.
        var encoded = new Dictionary<RowChange, Dictionary<string, byte[]>>(ReferenceEqualityComparer.Instance);
        foreach (var (key, group) in byGroup)
        {
            visible.TryGetValue(key, out var set);
            errors.TryGetValue(key, out var groupErrors);
            if ((set is null || set.Count == 0) && groupErrors is null) continue;
            foreach (var (change, commitTimestamp) in changes)
            {
                string? error = null;
                if (set is null || !set.Contains(change))
                    if (groupErrors is null || !groupErrors.TryGetValue(change, out error)) continue;
                channels.Clear();
                foreach (var spec in group.Specs)
                {
                    if (!spec[0].Matches(change)) continue;
                    foreach (var b in spec)
                    {
                        if (b.Channel.Closed) continue;
                        if (!channels.TryGetValue(b.Channel, out var entry))
                            entry = (new List<int>(), b.Request.Select is null ? null : new HashSet<string>(StringComparer.Ordinal));
                        if (!entry.Ids.Contains(b.Request.Id)) entry.Ids.Add(b.Request.Id);
                        // A channel whose bindings select different columns gets their union; any binding without select gets all.
                        if (b.Request.Select is null) entry.Select = null;
                        else entry.Select?.UnionWith(b.Request.Select);
                        channels[b.Channel] = entry;
                    }
                }
                if (channels.Count == 0) continue;
                if (!encoded.TryGetValue(change, out var cache)) encoded[change] = cache = new Dictionary<string, byte[]>(StringComparer.Ordinal);
                foreach (var (channel, (ids, selected)) in channels)
                {
                    var selectKey = error is not null ? "!" : selected is null ? "*" : string.Join(",", selected.Order(StringComparer.Ordinal));
                    if (!cache.TryGetValue("d:" + selectKey, out var data))
                        cache["d:" + selectKey] = data = error is null ? EncodeData(change, commitTimestamp, selected) : EncodeError(change, commitTimestamp, error);
                    if (channel.Config.Legacy)
                    {
                        channel.Socket.Push(channel, change.Type, data);
                        delivered++;
                        continue;
                    }
                    var payloadKey = "p:" + selectKey + ":" + (ids.Count == 1 ? ids[0].ToString(CultureInfo.InvariantCulture) : string.Join(',', ids));
                    if (!cache.TryGetValue(payloadKey, out var payload))
                    {
                        payload = Json.Object(w =>
                        {
                            w.WritePropertyName("ids");
                            w.WriteStartArray();
                            foreach (var id in ids) w.WriteNumberValue(id);
                            w.WriteEndArray();
                            w.WritePropertyName("data");
                            w.WriteRawValue(data, skipInputValidation: true);
                        });
                        cache[payloadKey] = payload;
                    }
                    channel.Socket.Send(channel.ChangesFrame(payload), binary: false);
                    delivered++;
                }
            }
        }
        metrics.Delivered(delivered);
    }

    private static string GroupKey(RequestIdentity identity) => identity.Role + "\n" + identity.ClaimsJson;

    /// <summary>
    /// Which rows each (role, claims) group may SELECT now, in one round trip: per group, the role and claims are set
    /// transaction-locally, then one query per table looks the rows up by primary key under RLS. Groups whose role does not
    /// exist, cannot be taken by <c>authenticator</c>, or lacks SELECT on a table see none of its rows (checked first, so the
    /// batch does not fail on privileges). The checks run on one dedicated connection.
    /// As upstream's apply_rls, an INSERT or UPDATE of a table without a primary key, or one whose primary key the role may not
    /// SELECT, is not checked: the group gets a payload without the row and with <c>errors</c> (<paramref name="errors"/>).
    /// </summary>
    private async Task<Dictionary<string, HashSet<RowChange>>> VisibleAsync(Dictionary<string, (RequestIdentity Identity, List<RowChange> Rows)> groups, long[] xids,
        Dictionary<string, Dictionary<RowChange, string>> errors)
    {
        var result = groups.Keys.ToDictionary(k => k, _ => new HashSet<RowChange>(ReferenceEqualityComparer.Instance), StringComparer.Ordinal);
        foreach (var (key, (_, rows)) in groups)
            foreach (var row in rows)
                if (row.Relation.PrimaryKey.Count == 0) ErrorsOf(errors, key)[row] = NoPrimaryKey;
        static List<(RelationInfo Relation, List<RowChange> Rows)> TablesOf(List<RowChange> rows) =>
            rows.Where(c => c.Relation.PrimaryKey.Count > 0).GroupBy(c => c.Relation.Id).Select(g => (g.First().Relation, g.ToList())).ToList();
        var tableIds = groups.Values.SelectMany(g => g.Rows).Select(r => (long)r.Relation.Id).Distinct().ToArray();
        if (tableIds.Length == 0) return result;

        // A failed check is retried once on a fresh connection (a broken connection or prepared statement); when it fails
        // again (e.g. a policy raises an error), nothing from this batch is delivered rather than guessing.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var conn = await RlsConnectionAsync().ConfigureAwait(false);
                await WaitCommittedAsync(conn, xids).ConfigureAwait(false);
                await CheckVisibilityAsync(conn, groups, tableIds, TablesOf, result, errors).ConfigureAwait(false);
                break;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException)
            {
                foreach (var set in result.Values) set.Clear();
                foreach (var set in errors.Values)
                    foreach (var row in set.Where(e => e.Value == Unauthorized).Select(e => e.Key).ToList()) set.Remove(row);
                await ResetRlsConnectionAsync().ConfigureAwait(false);
                if (attempt == 1) Log.RlsRetry(logger, e);
                if (attempt == 2)
                {
                    Log.VisibilityDenied(logger, (e as PostgresException)?.TableName ?? "?", "batch", e.Message);
                    break;
                }
            }
        }
        return result;
    }

    private NpgsqlConnection? _rls;

    /// <summary>apply_rls's errors for rows it cannot check.</summary>
    internal const string NoPrimaryKey = "Error 400: Bad Request, no primary key";
    internal const string Unauthorized = "Error 401: Unauthorized";

    private static Dictionary<RowChange, string> ErrorsOf(Dictionary<string, Dictionary<RowChange, string>> errors, string group)
    {
        if (!errors.TryGetValue(group, out var set)) errors[group] = set = new Dictionary<RowChange, string>(ReferenceEqualityComparer.Instance);
        return set;
    }

    /// <summary>
    /// Waits (up to 1 s) until the batch's transactions are visible to new snapshots. The walsender can send a commit a
    /// moment before the committing backend leaves the proc array; an RLS lookup in that window would not find the row and
    /// the change would be dropped as invisible. Transaction ids are pgoutput's 32-bit ones, widened with the current epoch.
    /// </summary>
    internal static async Task WaitCommittedAsync(NpgsqlConnection conn, long[] xids)
    {
        if (xids.Length == 0) return;
        for (var i = 0; i < 100; i++)
        {
            await using var cmd = new NpgsqlCommand(
                "SELECT bool_and(txid_visible_in_snapshot(CASE WHEN ((m & ~4294967295::bigint) | x) >= m THEN ((m & ~4294967295::bigint) | x) - 4294967296 " +
                "ELSE (m & ~4294967295::bigint) | x END, s)) FROM (SELECT txid_current_snapshot() s) q CROSS JOIN LATERAL (SELECT txid_snapshot_xmax(q.s) m) r " +
                "CROSS JOIN unnest($1::bigint[]) x", conn);
            cmd.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = xids });
            if (await cmd.ExecuteScalarAsync().ConfigureAwait(false) is true) return;
            await Task.Delay(10).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The connection RLS checks run on (used by the single dispatch loop only). It logs in as the admin user and switches to
    /// each group's role transaction-locally; the privilege query only admits roles <c>authenticator</c> could take.
    /// </summary>
    private async Task<NpgsqlConnection> RlsConnectionAsync()
    {
        if (_rls is { State: System.Data.ConnectionState.Open } open) return open;
        if (_rls is not null) await _rls.DisposeAsync().ConfigureAwait(false);
        var b = new NpgsqlConnectionStringBuilder(project.Database.AdminConnectionString)
        {
            Pooling = false,
            ApplicationName = "supacs_realtime_rls",
        };
        _rls = new NpgsqlConnection(b.ConnectionString);
        await _rls.OpenAsync().ConfigureAwait(false);
        return _rls;
    }

    private async Task ResetRlsConnectionAsync()
    {
        if (_rls is null) return;
        await _rls.DisposeAsync().ConfigureAwait(false);
        _rls = null;
    }

    private const string SettingsSql =
        "SELECT set_config('role', $1, true), set_config('request.jwt.claims', $2, true), set_config('request.jwt.claim.sub', $3, true), " +
        "set_config('request.jwt.claim.role', $1, true), set_config('request.method', 'GET', true), set_config('request.path', '/realtime/v1', true)";

    private async Task CheckVisibilityAsync(NpgsqlConnection conn, Dictionary<string, (RequestIdentity Identity, List<RowChange> Rows)> groups, long[] tableIds,
        Func<List<RowChange>, List<(RelationInfo Relation, List<RowChange> Rows)>> tablesOf, Dictionary<string, HashSet<RowChange>> result,
        Dictionary<string, Dictionary<RowChange, string>> errors)
    {
        // Per (role, table) of usable roles (existing, not superuser, takeable by authenticator): may it SELECT the primary key
        // columns (upstream's test), and does RLS apply (enabled and the role does not bypass it)?
        var allowed = new Dictionary<(string Role, uint Table), (bool Select, bool Rls)>();
        await using (var privileges = new NpgsqlCommand(
            "SELECT r.rolname::text, c.oid::bigint, c.relrowsecurity AND NOT r.rolbypassrls, " +
            "coalesce((SELECT bool_and(has_column_privilege(r.rolname, c.oid, a.attnum, 'SELECT')) FROM pg_index i " +
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = c.oid AND i.indisprimary), " +
            "has_table_privilege(r.rolname, c.oid, 'SELECT')) FROM unnest($1::text[]) u(role) " +
            "JOIN pg_roles r ON r.rolname = u.role CROSS JOIN pg_class c " +
            "WHERE c.oid = ANY($2::bigint[]::oid[]) AND NOT r.rolsuper AND pg_has_role('authenticator', r.oid, 'MEMBER')", conn))
        {
            privileges.Parameters.Add(new NpgsqlParameter { Value = groups.Values.Select(g => g.Identity.Role).Distinct().ToArray() });
            privileges.Parameters.Add(new NpgsqlParameter { Value = tableIds });
            await using var reader = await privileges.ExecuteReaderAsync().ConfigureAwait(false);
            while (await reader.ReadAsync().ConfigureAwait(false)) allowed[(reader.GetString(0), (uint)reader.GetInt64(1))] = (reader.GetBoolean(3), reader.GetBoolean(2));
        }

        await using var tx = await conn.BeginTransactionAsync().ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(conn, tx);
        var plan = new List<(string Group, List<RowChange>? Rows, Dictionary<string, List<RowChange>>? ByKey)>();
        // The same rows are looked up for every group: their key arrays are built once per table.
        var keyArrays = new Dictionary<(uint Table, int Rows), (string[] Keys, Dictionary<string, List<RowChange>> ByKey)>();
        foreach (var (key, (identity, groupRows)) in groups)
        {
            // Without RLS (or with BYPASSRLS), SELECT privilege is enough: every row is visible, no query needed.
            var readable = new List<(RelationInfo Relation, List<RowChange> Rows)>();
            foreach (var t in tablesOf(groupRows))
            {
                if (!allowed.TryGetValue((identity.Role, t.Relation.Id), out var access)) continue;
                if (!access.Select)
                {
                    var groupErrors = ErrorsOf(errors, key);
                    foreach (var row in t.Rows) groupErrors[row] = Unauthorized;
                }
                else if (access.Rls) readable.Add(t);
                else result[key].UnionWith(t.Rows);
            }
            if (readable.Count == 0) continue;
            var settings = new NpgsqlBatchCommand(SettingsSql);
            settings.Parameters.Add(new NpgsqlParameter<string> { TypedValue = identity.Role });
            settings.Parameters.Add(new NpgsqlParameter<string> { TypedValue = identity.ClaimsJson });
            settings.Parameters.Add(new NpgsqlParameter<string> { TypedValue = identity.Subject ?? "" });
            batch.BatchCommands.Add(settings);
            plan.Add((key, null, null));
            foreach (var (relation, rows) in readable)
            {
                var keys = relation.PrimaryKey;
                if (keys.Count == 1)
                {
                    // One index scan for all the rows: WHERE pk = ANY(...), RLS filters it.
                    var pk = relation.Columns[keys[0]];
                    if (!keyArrays.TryGetValue((relation.Id, rows.Count), out var arrays) || !SameRows(arrays.ByKey, rows))
                    {
                        var byKey = new Dictionary<string, List<RowChange>>(StringComparer.Ordinal);
                        foreach (var row in rows)
                        {
                            var value = row.New![keys[0]] ?? "";
                            if (!byKey.TryGetValue(value, out var same)) byKey[value] = same = [];
                            same.Add(row);
                        }
                        arrays = ([.. byKey.Keys], byKey);
                        keyArrays[(relation.Id, rows.Count)] = arrays;
                    }
                    var single = new NpgsqlBatchCommand(
                        $"SELECT t.{Quote(pk.Name)}::text FROM {Quote(relation.Schema)}.{Quote(relation.Table)} t WHERE t.{Quote(pk.Name)} = ANY($1::text[]::{pk.SqlType}[])");
                    single.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = arrays.Keys });
                    batch.BatchCommands.Add(single);
                    plan.Add((key, null, arrays.ByKey));
                    continue;
                }
                var query = new NpgsqlBatchCommand(
                    $"SELECT k.i::int FROM unnest({string.Join(", ", keys.Select((_, n) => $"${n + 1}::text[]"))}) WITH ORDINALITY AS k({string.Join(", ", keys.Select((_, n) => $"c{n}"))}, i) " +
                    $"WHERE EXISTS (SELECT 1 FROM {Quote(relation.Schema)}.{Quote(relation.Table)} t WHERE " +
                    string.Join(" AND ", keys.Select((k, n) => $"t.{Quote(relation.Columns[k].Name)} = k.c{n}::{relation.Columns[k].SqlType}")) + ")");
                foreach (var k in keys) query.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = rows.Select(c => c.New![k]).ToArray() });
                batch.BatchCommands.Add(query);
                plan.Add((key, rows, null));
            }
        }
        if (plan.Count == 0) return;
        // Prepared: each statement is parsed and planned once per connection (Npgsql keeps them), not per group and dispatch.
        await batch.PrepareAsync().ConfigureAwait(false);
        await using var reader2 = await batch.ExecuteReaderAsync().ConfigureAwait(false);
        foreach (var (group, rows, byKey) in plan)
        {
            if (rows is not null)
                while (await reader2.ReadAsync().ConfigureAwait(false)) result[group].Add(rows[reader2.GetInt32(0) - 1]);
            else if (byKey is not null)
                while (await reader2.ReadAsync().ConfigureAwait(false))
                    if (byKey.TryGetValue(reader2.GetString(0), out var same)) result[group].UnionWith(same);
            await reader2.NextResultAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Whether a cached key lookup was built from exactly these rows.</summary>
    private static bool SameRows(Dictionary<string, List<RowChange>> byKey, List<RowChange> rows)
    {
        var n = 0;
        foreach (var list in byKey.Values)
            foreach (var row in list)
                if (n >= rows.Count || !ReferenceEquals(rows[n++], row)) return false;
        return n == rows.Count;
    }

    /// <summary>A broadcast row inserted into realtime.messages (e.g. by realtime.send()).</summary>
    private void DeliverMessage(RowChange change)
    {
        var r = change.Relation;
        string? Value(string column)
        {
            var i = r.IndexOf(column);
            return i < 0 || change.NewMissing![i] ? null : change.New![i];
        }
        if (Value("extension") != "broadcast") return;
        // A persisted client or REST broadcast (it has expires_at) went out live when it was sent.
        if (Value("expires_at") is not null) return;
        var topic = Value("topic");
        var ev = Value("event");
        if (topic is null || ev is null) return;
        var payload = Value("payload");
        // realtime.send_binary(): a bytea payload (pgoutput's text form is \x followed by hex digits).
        byte[]? binary = null;
        if (payload is null && Value("binary_payload") is { Length: >= 2 } hex && hex.StartsWith("\\x", StringComparison.Ordinal))
        {
            try
            {
                binary = Convert.FromHexString(hex.AsSpan(2));
            }
            catch (FormatException)
            {
                return;
            }
        }
        onMessage(new DatabaseMessage(topic, ev, payload ?? "{}", Value("private") == "t", Value("id"), binary));
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>
    /// The <c>data</c> object of a change apply_rls could not check (no primary key, or its key not selectable by the role):
    /// no row, only <c>errors</c> (empty <c>columns</c>/<c>record</c>, which realtime-js turns into an empty <c>new</c>).
    /// </summary>
    internal static byte[] EncodeError(RowChange change, string commitTimestamp, string error) => Json.Object(w =>
    {
        w.WriteString("schema", change.Relation.Schema);
        w.WriteString("table", change.Relation.Table);
        w.WriteString("commit_timestamp", commitTimestamp);
        w.WriteString("type", change.Type);
        w.WritePropertyName("columns");
        w.WriteStartArray();
        w.WriteEndArray();
        w.WritePropertyName("record");
        w.WriteStartObject();
        w.WriteEndObject();
        if (change.Type == "UPDATE")
        {
            w.WritePropertyName("old_record");
            w.WriteStartObject();
            w.WriteEndObject();
        }
        w.WritePropertyName("errors");
        w.WriteStartArray();
        w.WriteStringValue(error);
        w.WriteEndArray();
    });

    /// <summary>The <c>data</c> object: schema, table, commit_timestamp, type, columns, record, old_record, errors.</summary>
    internal static byte[] EncodeData(RowChange change, string commitTimestamp, IReadOnlySet<string>? select = null) => Json.Object(w =>
    {
        var relation = change.Relation;
        bool Selected(int i) => select is null || select.Contains(relation.Columns[i].Name);
        // As upstream (poll_max_record_bytes, 1 MB): an oversize record keeps only its values of at most 64 bytes, with Error 413.
        var oversize = RecordBytes(change) > MaxRecordBytes;
        w.WriteString("schema", relation.Schema);
        w.WriteString("table", relation.Table);
        w.WriteString("commit_timestamp", commitTimestamp);
        w.WriteString("type", change.Type);
        w.WritePropertyName("columns");
        w.WriteStartArray();
        for (var i = 0; i < relation.Columns.Count; i++)
        {
            if (!Selected(i)) continue;
            var c = relation.Columns[i];
            w.WriteStartObject();
            w.WriteString("name", c.Name);
            w.WriteString("type", c.TypeName);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (change.New is not null)
        {
            w.WritePropertyName("record");
            var values = change.New;
            WriteRow(w, relation, values, change.NewMissing!, oversize ? i => Selected(i) && Small(values[i]) : Selected);
        }
        if (change.Type != "INSERT")
        {
            w.WritePropertyName("old_record");
            if (change.Old is null) WriteRow(w, relation, new string?[relation.Columns.Count], Enumerable.Repeat(true, relation.Columns.Count).ToArray(), Selected);
            else
            {
                var old = change.Old;
                WriteRow(w, relation, old, change.OldMissing!, oversize ? i => Selected(i) && Small(old[i]) : Selected);
            }
        }
        if (oversize)
        {
            w.WritePropertyName("errors");
            w.WriteStartArray();
            w.WriteStringValue(PayloadTooLarge);
            w.WriteEndArray();
        }
        else
        {
            w.WriteNull("errors");
        }
    });

    /// <summary>Upstream's default <c>poll_max_record_bytes</c>.</summary>
    internal const int MaxRecordBytes = 1024 * 1024;

    internal const string PayloadTooLarge = "Error 413: Payload Too Large";

    /// <summary>The UTF-8 size of the row's values (new and old), counted exactly only when it could exceed the limit.</summary>
    private static long RecordBytes(RowChange change)
    {
        long chars = 0;
        if (change.New is { } n) foreach (var v in n) chars += v?.Length ?? 0;
        if (change.Old is { } o) foreach (var v in o) chars += v?.Length ?? 0;
        if (chars * 3 <= MaxRecordBytes) return chars;
        long bytes = 0;
        if (change.New is { } n2) foreach (var v in n2) bytes += v is null ? 0 : System.Text.Encoding.UTF8.GetByteCount(v);
        if (change.Old is { } o2) foreach (var v in o2) bytes += v is null ? 0 : System.Text.Encoding.UTF8.GetByteCount(v);
        return bytes;
    }

    private static bool Small(string? value) => value is null || value.Length <= 21 || System.Text.Encoding.UTF8.GetByteCount(value) <= 64;

    private static void WriteRow(Utf8JsonWriter w, RelationInfo relation, string?[] values, bool[] missing, Func<int, bool> selected)
    {
        w.WriteStartObject();
        for (var i = 0; i < relation.Columns.Count && i < values.Length; i++)
        {
            if (missing[i] || !selected(i)) continue;
            var column = relation.Columns[i];
            w.WritePropertyName(column.Name);
            WriteValue(w, column.TypeName, values[i]);
        }
        w.WriteEndObject();
    }

    /// <summary>Typed JSON like wal2json: numbers, booleans and json stay typed, the rest are strings.</summary>
    internal static void WriteValue(Utf8JsonWriter w, string typeName, string? value)
    {
        if (value is null)
        {
            w.WriteNullValue();
            return;
        }
        switch (typeName)
        {
            case "bool":
                w.WriteBooleanValue(value == "t");
                return;
            case "int2" or "int4" or "int8" or "float4" or "float8" or "numeric" or "oid":
                if (value.Length > 0 && value != "NaN" && !value.Contains("Infinity", StringComparison.Ordinal)) w.WriteRawValue(value, skipInputValidation: true);
                else w.WriteStringValue(value);
                return;
            case "json" or "jsonb":
                try
                {
                    using var doc = JsonDocument.Parse(value);
                    doc.RootElement.WriteTo(w);
                }
                catch (JsonException)
                {
                    w.WriteStringValue(value);
                }
                return;
            default:
                w.WriteStringValue(value);
                return;
        }
    }

    private sealed record PublishedTable(string Schema, string Table, HashSet<string> Columns);

    private async Task<List<PublishedTable>> PublishedTablesAsync()
    {
        var tables = new List<PublishedTable>();
        await using var cmd = project.Database.Admin.CreateCommand(
            "SELECT p.schemaname::text, p.tablename::text, array_agg(a.attname::text) FROM pg_publication_tables p " +
            "JOIN pg_attribute a ON a.attrelid = format('%I.%I', p.schemaname, p.tablename)::regclass AND a.attnum > 0 AND NOT a.attisdropped " +
            "WHERE p.pubname = $1 GROUP BY 1, 2");
        cmd.Parameters.Add(new NpgsqlParameter { Value = ReplicationStream.Publication });
        await using var reader = await cmd.ExecuteReaderAsync().ConfigureAwait(false);
        while (await reader.ReadAsync().ConfigureAwait(false))
            tables.Add(new PublishedTable(reader.GetString(0), reader.GetString(1), [.. reader.GetFieldValue<string[]>(2)]));
        return tables;
    }

    public async ValueTask DisposeAsync()
    {
        SlotLeader? leader;
        lock (_lock) leader = _leader;
        await _stop.CancelAsync().ConfigureAwait(false);
        if (leader is not null)
        {
            await leader.DisposeAsync().ConfigureAwait(false);
            try
            {
                if (_dispatch is not null) await _dispatch.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
                if (_maintenance is not null) await _maintenance.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (TimeoutException) { }
        }
        if (_dispatch is null || _dispatch.IsCompleted) await ResetRlsConnectionAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3111, Level = LogLevel.Warning, Message = "Realtime: postgres_changes could not go live")]
        public static partial void ActivateFailed(ILogger logger, Exception error);

        [LoggerMessage(EventId = 3112, Level = LogLevel.Error, Message = "Realtime: dispatching a transaction failed")]
        public static partial void DispatchFailed(ILogger logger, Exception error);

        [LoggerMessage(EventId = 3114, Level = LogLevel.Warning, Message = "Realtime: realtime.messages partition maintenance failed")]
        public static partial void MaintenanceFailed(ILogger logger, Exception error);

        [LoggerMessage(EventId = 3115, Level = LogLevel.Warning, Message = "Realtime: the replication stream is not live yet; joining anyway")]
        public static partial void NotLive(ILogger logger);

        [LoggerMessage(EventId = 3116, Level = LogLevel.Warning, Message = "Realtime: an RLS check failed; retrying it on a new connection")]
        public static partial void RlsRetry(ILogger logger, Exception error);

        [LoggerMessage(EventId = 3113, Level = LogLevel.Warning, Message = "Realtime: an RLS check failed ({Table}, {Role}); the changes of this batch are not delivered: {Error}")]
        public static partial void VisibilityDenied(ILogger logger, string table, string role, string error);
    }
}
