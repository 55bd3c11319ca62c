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
internal sealed record DatabaseMessage(string Topic, string Event, string PayloadJson, bool Private, string? Id);

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
        var column = change.Relation.IndexOf(Filter.Column);
        return column < 0 || Filter.Matches(change.FilterValue(column));
    }
}

/// <summary>
/// The postgres_changes pipeline of one project: bindings registered in memory, one pgoutput stream, and per
/// committed transaction an RLS visibility check run once per distinct (role, claims) group and table — not per subscriber.
/// </summary>
internal sealed partial class PostgresChanges(SupacsProject project, Action<DatabaseMessage> onMessage, ILogger logger) : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _maintenance;
    private ChangeBinding[] _bindings = [];
    private ReplicationStream? _stream;
    private Task? _dispatch;

    private ReplicationStream Stream
    {
        get
        {
            lock (_lock)
            {
                if (_stream is null)
                {
                    _stream = new ReplicationStream(project.Database.AdminConnectionString, project.Database.Admin, logger);
                    _stream.Start();
                    _dispatch = Task.Run(DispatchLoopAsync);
                    _maintenance = Task.Run(MaintainPartitionsAsync);
                }
                return _stream;
            }
        }
    }

    /// <summary>Starts the stream (broadcasts from the database flow as soon as any channel exists).</summary>
    public void EnsureStarted() => _ = Stream;

    /// <summary>Starts the stream and waits (bounded) until it is live, so a join's reply means database broadcasts flow.</summary>
    public async Task WaitLiveAsync(TimeSpan timeout)
    {
        try
        {
            await Stream.Live.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Log.NotLive(logger);
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
            var schema = r.Schema ?? "public";
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
                if (!matching[0].Columns.Contains(filter.Column))
                    return new ChangeSubscription($"Unable to subscribe to changes with given parameters. Invalid column for filter {filter.Column}", []);
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
            await Stream.Live.WaitAsync(timeout.Token).ConfigureAwait(false);
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

    /// <summary>Nothing to do: bindings read the channel's current identity at delivery time.</summary>
    public void UpdateIdentity(JoinedChannel channel) { }

    private async Task DispatchLoopAsync()
    {
        var reader = Stream.Transactions.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var tx))
            {
                try
                {
                    await DispatchAsync(tx).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    Log.DispatchFailed(logger, e);
                }
            }
        }
    }

    private async Task DispatchAsync(CommittedTransaction tx)
    {
        foreach (var change in tx.Changes)
            if (change.Relation.Schema == "realtime" && change.Relation.Table == "messages" && change.Type == "INSERT")
                DeliverMessage(change);
        var bindings = Volatile.Read(ref _bindings);
        if (bindings.Length == 0) return;
        // Per change: the matching bindings, grouped per channel.
        var deliveries = new List<(RowChange Change, Dictionary<JoinedChannel, List<int>> Channels)>();
        foreach (var change in tx.Changes)
        {
            Dictionary<JoinedChannel, List<int>>? channels = null;
            foreach (var b in bindings)
            {
                if (b.Channel.Closed || !b.Matches(change)) continue;
                channels ??= [];
                if (!channels.TryGetValue(b.Channel, out var ids)) channels[b.Channel] = ids = [];
                if (!ids.Contains(b.Request.Id)) ids.Add(b.Request.Id);
            }
            if (channels is not null) deliveries.Add((change, channels));
        }
        if (deliveries.Count == 0) return;

        // RLS: one visibility query per distinct (role, claims) and table for the whole transaction. DELETEs bypass RLS as upstream.
        var groups = deliveries.Where(d => d.Change.Type != "DELETE")
            .SelectMany(d => d.Channels.Keys.Select(c => (Key: c.Identity.Role + "\n" + c.Identity.ClaimsJson, c.Identity)))
            .DistinctBy(g => g.Key).ToList();
        var visible = new Dictionary<string, HashSet<RowChange>>(StringComparer.Ordinal);
        foreach (var (key, identity) in groups)
            visible[key] = await VisibleAsync(identity, deliveries.Where(d => d.Change.Type != "DELETE").Select(d => d.Change).ToList()).ConfigureAwait(false);

        var commitTimestamp = tx.CommitTimestamp.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        foreach (var (change, channels) in deliveries)
        {
            var data = EncodeData(change, commitTimestamp);
            foreach (var (channel, ids) in channels)
            {
                if (change.Type != "DELETE" && !visible[channel.Identity.Role + "\n" + channel.Identity.ClaimsJson].Contains(change)) continue;
                var payload = Json.Object(w =>
                {
                    w.WritePropertyName("ids");
                    w.WriteStartArray();
                    foreach (var id in ids) w.WriteNumberValue(id);
                    w.WriteEndArray();
                    w.WritePropertyName("data");
                    w.WriteRawValue(data, skipInputValidation: true);
                });
                channel.Socket.Push(channel, "postgres_changes", payload);
            }
        }
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
        var topic = Value("topic");
        var ev = Value("event");
        if (topic is null || ev is null) return;
        onMessage(new DatabaseMessage(topic, ev, Value("payload") ?? "{}", Value("private") == "t", Value("id")));
    }

    /// <summary>Which of the changes' rows the identity may SELECT now (RLS and privileges), one query per table.</summary>
    private async Task<HashSet<RowChange>> VisibleAsync(RequestIdentity identity, List<RowChange> changes)
    {
        var result = new HashSet<RowChange>();
        if (changes.Count == 0) return result;
        await using var scope = await DbScope.BeginAsync(project.Database.Api, new DbScopeSettings(identity, "GET", "/realtime/v1")).ConfigureAwait(false);
        foreach (var byTable in changes.GroupBy(c => c.Relation.Id))
        {
            var relation = byTable.First().Relation;
            var list = byTable.ToList();
            if (relation.PrimaryKey.Count == 0) continue;
            var keys = relation.PrimaryKey;
            var sql = $"SELECT k.i::int FROM unnest({string.Join(", ", keys.Select((_, n) => $"${n + 1}::text[]"))}) WITH ORDINALITY AS k({string.Join(", ", keys.Select((_, n) => $"c{n}"))}, i) " +
                      $"WHERE EXISTS (SELECT 1 FROM {Quote(relation.Schema)}.{Quote(relation.Table)} t WHERE " +
                      string.Join(" AND ", keys.Select((k, n) => $"t.{Quote(relation.Columns[k].Name)} = k.c{n}::{relation.Columns[k].SqlType}")) + ")";
            try
            {
                await scope.EnsureSettingsAsync().ConfigureAwait(false);
                await using (var sp = new NpgsqlCommand("SAVEPOINT visibility", scope.Connection, scope.Transaction))
                    await sp.ExecuteNonQueryAsync().ConfigureAwait(false);
                await using var cmd = new NpgsqlCommand(sql, scope.Connection, scope.Transaction);
                foreach (var k in keys) cmd.Parameters.Add(new NpgsqlParameter { Value = list.Select(c => c.New![k]).ToArray() });
                await using var reader = await cmd.ExecuteReaderAsync().ConfigureAwait(false);
                while (await reader.ReadAsync().ConfigureAwait(false)) result.Add(list[reader.GetInt32(0) - 1]);
            }
            catch (PostgresException e)
            {
                // No privilege (or an unknown role): nothing of this table is visible to this group.
                Log.VisibilityDenied(logger, relation.Table, identity.Role, e.MessageText);
                await using var rb = new NpgsqlCommand("ROLLBACK TO SAVEPOINT visibility", scope.Connection, scope.Transaction);
                await rb.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
        }
        return result;
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>The <c>data</c> object: schema, table, commit_timestamp, type, columns, record, old_record, errors.</summary>
    internal static byte[] EncodeData(RowChange change, string commitTimestamp) => Json.Object(w =>
    {
        var relation = change.Relation;
        w.WriteString("schema", relation.Schema);
        w.WriteString("table", relation.Table);
        w.WriteString("commit_timestamp", commitTimestamp);
        w.WriteString("type", change.Type);
        w.WritePropertyName("columns");
        w.WriteStartArray();
        foreach (var c in relation.Columns)
        {
            w.WriteStartObject();
            w.WriteString("name", c.Name);
            w.WriteString("type", c.TypeName);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (change.New is not null)
        {
            w.WritePropertyName("record");
            WriteRow(w, relation, change.New, change.NewMissing!);
        }
        if (change.Type != "INSERT")
        {
            w.WritePropertyName("old_record");
            if (change.Old is null) WriteRow(w, relation, new string?[relation.Columns.Count], Enumerable.Repeat(true, relation.Columns.Count).ToArray());
            else WriteRow(w, relation, change.Old, change.OldMissing!);
        }
        w.WriteNull("errors");
    });

    private static void WriteRow(Utf8JsonWriter w, RelationInfo relation, string?[] values, bool[] missing)
    {
        w.WriteStartObject();
        for (var i = 0; i < relation.Columns.Count && i < values.Length; i++)
        {
            if (missing[i]) continue;
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
        ReplicationStream? stream;
        lock (_lock) stream = _stream;
        await _stop.CancelAsync().ConfigureAwait(false);
        if (stream is not null)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            if (_dispatch is not null) await _dispatch.ConfigureAwait(false);
            if (_maintenance is not null) await _maintenance.ConfigureAwait(false);
        }
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

        [LoggerMessage(EventId = 3113, Level = LogLevel.Debug, Message = "Realtime: {Table} not visible to role {Role}: {Error}")]
        public static partial void VisibilityDenied(ILogger logger, string table, string role, string error);
    }
}
