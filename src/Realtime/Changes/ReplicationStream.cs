using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npgsql;
using Npgsql.Replication;
using Npgsql.Replication.PgOutput;
using Npgsql.Replication.PgOutput.Messages;

namespace Supacs.Realtime.Changes;

/// <summary>
/// Streams the publications <c>supabase_realtime</c> (postgres_changes) and <c>supabase_realtime_messages_publication</c>
/// (broadcast from the database) with pgoutput from one temporary logical slot per database,
/// turning each committed transaction into a <see cref="CommittedTransaction"/>. <see cref="Live"/> completes once the
/// slot exists: from then on every commit is retained for us, so a subscriber registered before it is never missed.
/// </summary>
internal sealed partial class ReplicationStream(string adminConnectionString, NpgsqlDataSource admin, ILogger logger,
    bool durable = false, TimeSpan replayDelay = default) : IAsyncDisposable
{
    public const string Publication = "supabase_realtime";
    public const string MessagesPublication = "supabase_realtime_messages_publication";

    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<uint, RelationInfo> _relations = [];
    private LogicalReplicationConnection? _connection;
    private bool _replayed;

    /// <summary>For a durable slot: the position up to which changes were delivered, so the slot may release WAL.</summary>
    public void Acknowledge(NpgsqlTypes.NpgsqlLogSequenceNumber lsn)
    {
        if (durable) _connection?.SetReplicationStatus(lsn);
    }

    private async Task<string> DurableSlotNameAsync(CancellationToken ct)
    {
        await using var cmd = admin.CreateCommand("SELECT 'supacs_realtime_' || substr(md5(current_database()), 1, 16)");
        return (string)(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
    }
    private TaskCompletionSource _live = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _loop;

    public Channel<CommittedTransaction> Transactions { get; } = Channel.CreateUnbounded<CommittedTransaction>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    /// <summary>Completes when the slot is created and streaming (again, after a reconnect).</summary>
    public Task Live => Volatile.Read(ref _live).Task;

    /// <summary>True after a failure until the stream is live again (e.g. wal_level is not logical): joins do not wait for it.</summary>
    public bool Failing => Volatile.Read(ref _failing);

    private bool _failing;

    public void Start() => _loop ??= Task.Run(() => RunAsync(_stop.Token));

    private async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await StreamAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Log.StreamFailed(logger, e);
                Volatile.Write(ref _failing, true);
                if (Live.IsCompleted) Volatile.Write(ref _live, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task StreamAsync(CancellationToken ct)
    {
        // Acknowledged positions go to the server every second, so a durable slot replays little after a restart.
        await using var conn = new LogicalReplicationConnection(adminConnectionString) { WalReceiverStatusInterval = TimeSpan.FromSeconds(1) };
        await conn.Open(ct).ConfigureAwait(false);
        PgOutputReplicationSlot slot;
        var resumed = false;
        if (durable)
        {
            // One permanent slot per database: changes committed while Supacs is down wait in it (bounded by max_slot_wal_keep_size).
            var slotName = await DurableSlotNameAsync(ct).ConfigureAwait(false);
            await using var exists = admin.CreateCommand("SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1");
            exists.Parameters.Add(new NpgsqlParameter { Value = slotName });
            resumed = (long)(await exists.ExecuteScalarAsync(ct).ConfigureAwait(false))! > 0;
            slot = resumed
                ? new PgOutputReplicationSlot(slotName)
                : await conn.CreatePgOutputReplicationSlot(slotName, temporarySlot: false, slotSnapshotInitMode: LogicalSlotSnapshotInitMode.NoExport, cancellationToken: ct).ConfigureAwait(false);
            Log.SlotCreated(logger, slotName);
        }
        else
        {
            var slotName = "supacs_realtime_" + Guid.NewGuid().ToString("N")[..16];
            slot = await conn.CreatePgOutputReplicationSlot(slotName, temporarySlot: true, slotSnapshotInitMode: LogicalSlotSnapshotInitMode.NoExport, cancellationToken: ct).ConfigureAwait(false);
            Log.SlotCreated(logger, slotName);
        }
        _relations.Clear();
        Volatile.Write(ref _failing, false);
        Volatile.Read(ref _live).TrySetResult();
        // A resumed durable slot holds what was committed while we were down: give subscribers time to rejoin before replaying it.
        if (resumed && !_replayed)
        {
            _replayed = true;
            await Task.Delay(replayDelay, ct).ConfigureAwait(false);
        }
        _connection = conn;

        var changes = new List<RowChange>();
        uint xid = 0;
        var options = new PgOutputReplicationOptions([Publication, MessagesPublication], PgOutputProtocolVersion.V1);
        await foreach (var message in conn.StartReplication(slot, options, ct).ConfigureAwait(false))
        {
            switch (message)
            {
                case BeginMessage begin:
                    changes.Clear();
                    xid = begin.TransactionXid;
                    break;
                case RelationMessage rel:
                    _relations[rel.RelationId] = await ResolveAsync(rel, ct).ConfigureAwait(false);
                    break;
                case InsertMessage ins:
                {
                    var (values, missing) = await ReadAsync(ins.NewRow, ct).ConfigureAwait(false);
                    changes.Add(new RowChange(_relations[ins.Relation.RelationId], "INSERT", values, missing, null, null));
                    break;
                }
                case UpdateMessage upd:
                {
                    string?[]? old = null;
                    bool[]? oldMissing = null;
                    var relation = _relations[upd.Relation.RelationId];
                    if (upd is FullUpdateMessage full) (old, oldMissing) = await ReadAsync(full.OldRow, ct).ConfigureAwait(false);
                    else if (upd is IndexUpdateMessage key) (old, oldMissing) = await ReadAsync(key.Key, ct).ConfigureAwait(false);
                    var (values, missing) = await ReadAsync(upd.NewRow, ct).ConfigureAwait(false);
                    // Without an old row, the old identity is the primary key of the new row (REPLICA IDENTITY DEFAULT).
                    if (old is null) (old, oldMissing) = KeyOnly(relation, values);
                    BackfillToast(values, missing, old, oldMissing!);
                    changes.Add(new RowChange(relation, "UPDATE", values, missing, old, oldMissing));
                    break;
                }
                case DeleteMessage del:
                {
                    string?[]? old = null;
                    bool[]? oldMissing = null;
                    if (del is FullDeleteMessage full) (old, oldMissing) = await ReadAsync(full.OldRow, ct).ConfigureAwait(false);
                    else if (del is KeyDeleteMessage key) (old, oldMissing) = await ReadAsync(key.Key, ct).ConfigureAwait(false);
                    changes.Add(new RowChange(_relations[del.Relation.RelationId], "DELETE", null, null, old, oldMissing));
                    break;
                }
                case CommitMessage commit:
                    if (changes.Count > 0)
                    {
                        await Transactions.Writer.WriteAsync(new CommittedTransaction(commit.TransactionCommitTimestamp, [.. changes], commit.TransactionEndLsn) { Xid = xid }, ct).ConfigureAwait(false);
                        changes.Clear();
                    }
                    if (!durable) conn.SetReplicationStatus(commit.TransactionEndLsn);
                    break;
            }
        }
    }

    private static (string?[], bool[]) KeyOnly(RelationInfo relation, string?[] row)
    {
        var values = new string?[row.Length];
        var missing = new bool[row.Length];
        Array.Fill(missing, true);
        foreach (var k in relation.PrimaryKey)
        {
            values[k] = row[k];
            missing[k] = false;
        }
        return (values, missing);
    }

    private static void BackfillToast(string?[] values, bool[] missing, string?[] old, bool[] oldMissing)
    {
        for (var i = 0; i < values.Length; i++)
        {
            if (!missing[i] || i >= old.Length || oldMissing[i]) continue;
            values[i] = old[i];
            missing[i] = false;
        }
    }

    private static async Task<(string?[] Values, bool[] Missing)> ReadAsync(ReplicationTuple tuple, CancellationToken ct)
    {
        var values = new string?[tuple.NumColumns];
        var missing = new bool[tuple.NumColumns];
        var i = 0;
        await foreach (var value in tuple.ConfigureAwait(false))
        {
            if (value.IsUnchangedToastedValue) missing[i] = true;
            else if (!value.IsDBNull) values[i] = await value.Get<string>(ct).ConfigureAwait(false);
            i++;
        }
        return (values, missing);
    }

    private async Task<RelationInfo> ResolveAsync(RelationMessage rel, CancellationToken ct)
    {
        var oids = rel.Columns.Select(c => (long)c.DataTypeId).ToArray();
        var mods = rel.Columns.Select(c => c.TypeModifier).ToArray();
        var columns = new ColumnInfo[oids.Length];
        await using (var cmd = admin.CreateCommand(
            "SELECT o.i::int, t.typname::text, format_type(o.oid, o.mod) FROM unnest($1::int8[]::oid[], $2::int[]) WITH ORDINALITY o(oid, mod, i) JOIN pg_type t ON t.oid = o.oid"))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = oids });
            cmd.Parameters.Add(new NpgsqlParameter { Value = mods });
            await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                var i = reader.GetInt32(0) - 1;
                columns[i] = new ColumnInfo(rel.Columns[i].ColumnName, reader.GetString(1), reader.GetString(2));
            }
        }
        for (var i = 0; i < columns.Length; i++) columns[i] ??= new ColumnInfo(rel.Columns[i].ColumnName, "unknown", "text");
        var pk = new List<int>();
        await using (var cmd = admin.CreateCommand(
            "SELECT a.attname::text FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = $1::int8::oid AND i.indisprimary"))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = (long)rel.RelationId });
            await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                var name = reader.GetString(0);
                var index = Array.FindIndex(columns, c => c.Name == name);
                if (index >= 0) pk.Add(index);
            }
        }
        return new RelationInfo(rel.RelationId, rel.Namespace, rel.RelationName, columns, pk);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            // Never let shutdown hang on the replication connection; a stuck stream is abandoned after 5 s.
            try
            {
                await _loop.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (OperationCanceledException) { }
            catch (TimeoutException)
            {
                Log.StopTimedOut(logger);
            }
        }
        _stop.Dispose();
        Transactions.Writer.TryComplete();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Realtime: replication stream failed; reconnecting")]
        public static partial void StreamFailed(ILogger logger, Exception error);

        [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "Realtime: the replication stream did not stop within 5 s; abandoning it")]
        public static partial void StopTimedOut(ILogger logger);

        [LoggerMessage(EventId = 3102, Level = LogLevel.Debug, Message = "Realtime: replication slot {Slot} created")]
        public static partial void SlotCreated(ILogger logger, string slot);
    }
}
