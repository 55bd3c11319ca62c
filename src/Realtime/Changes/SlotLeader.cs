using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Supacs.Realtime.Changes;

/// <summary>
/// One node per database streams the replication slot: the one holding a PostgreSQL session advisory lock. Every node
/// competes for the lock; the holder runs the <see cref="ReplicationStream"/>, dispatches its transactions locally and hands
/// them to <see cref="Forward"/> (the backplane) for the other nodes, which feed them into their own pipeline with
/// <see cref="OnRemoteTransaction"/>. When the holder dies its session ends, the lock is free, and another node takes it
/// within about a second (a temporary slot starts afresh; a durable slot resumes where the old holder acknowledged).
/// </summary>
internal sealed partial class SlotLeader(string adminConnectionString, NpgsqlDataSource admin, RealtimeOptions options, ILogger logger) : IAsyncDisposable
{
    /// <summary>The advisory lock key ("SupacsRT"); advisory locks are per database, so this is one leader per database.</summary>
    public const long LockKey = 0x5375706163735254;

    private static readonly TimeSpan Retry = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource _live = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ReplicationStream? _stream;
    private string? _remoteLeader;
    private Task? _loop;

    /// <summary>Every transaction this node dispatches: from its own stream when leading, else from the leader.</summary>
    public Channel<CommittedTransaction> Transactions { get; } = Channel.CreateUnbounded<CommittedTransaction>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Called with each transaction this node streams (to publish it to the other nodes).</summary>
    public Action<CommittedTransaction>? Forward { get; init; }

    /// <summary>Called when this node's stream goes live (to tell the other nodes at once).</summary>
    public Action? BecameLive { get; init; }

    /// <summary>True while this node holds the lock and streams the slot.</summary>
    public bool IsLeader => Volatile.Read(ref _stream) is not null;

    /// <summary>True while this node leads and its slot exists (changes from now on are retained for it).</summary>
    public bool IsLeaderLive => Volatile.Read(ref _stream) is { } s && s.Live.IsCompletedSuccessfully;

    /// <summary>Completes once some node's stream is live (this one's, or the leader's as announced on the backplane).</summary>
    public Task Live => Volatile.Read(ref _live).Task;

    /// <summary>True while this node leads and its stream fails (e.g. wal_level is not logical): joins do not wait for it.</summary>
    public bool Failing => Volatile.Read(ref _stream) is { Failing: true };

    public void Start() => _loop ??= Task.Run(RunAsync);

    /// <summary>For a durable slot: delivery acknowledged up to <paramref name="lsn"/> (only for transactions this node streamed).</summary>
    public void Acknowledge(NpgsqlTypes.NpgsqlLogSequenceNumber lsn)
    {
        if (lsn != default) Volatile.Read(ref _stream)?.Acknowledge(lsn);
    }

    /// <summary>A transaction streamed by the leader on another node.</summary>
    public void OnRemoteTransaction(CommittedTransaction tx)
    {
        if (!IsLeader) Transactions.Writer.TryWrite(tx);
    }

    /// <summary>Another node says its stream is live.</summary>
    public void OnRemoteLeaderLive(string node)
    {
        if (IsLeader) return;
        Volatile.Write(ref _remoteLeader, node);
        Volatile.Read(ref _live).TrySetResult();
    }

    /// <summary>A node stopped or went silent: if it led, nothing is live until a new leader says so.</summary>
    public void OnNodeGone(string node)
    {
        if (IsLeader || Volatile.Read(ref _remoteLeader) != node) return;
        Volatile.Write(ref _remoteLeader, null);
        ResetLive();
    }

    private void ResetLive()
    {
        var current = Volatile.Read(ref _live);
        if (current.Task.IsCompleted) Interlocked.CompareExchange(ref _live, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), current);
    }

    private async Task RunAsync()
    {
        var ct = _stop.Token;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var b = new NpgsqlConnectionStringBuilder(adminConnectionString) { Pooling = false, ApplicationName = "supacs_realtime_leader" };
                await using var conn = new NpgsqlConnection(b.ConnectionString);
                await conn.OpenAsync(ct).ConfigureAwait(false);
                bool acquired;
                await using (var take = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", conn))
                {
                    take.Parameters.Add(new NpgsqlParameter<long> { TypedValue = LockKey });
                    acquired = (bool)(await take.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
                }
                if (acquired) await LeadAsync(conn, ct).ConfigureAwait(false);
                else await Task.Delay(Retry, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException or TimeoutException)
            {
                Log.LeadershipFailed(logger, e);
                try
                {
                    await Task.Delay(Retry, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Streams the slot while the lock's session is alive (checked every second).</summary>
    private async Task LeadAsync(NpgsqlConnection lockConnection, CancellationToken ct)
    {
        var stream = new ReplicationStream(adminConnectionString, admin, logger, options.DurableSlot, options.DurableReplayDelay);
        Log.Leading(logger);
        Volatile.Write(ref _remoteLeader, null);
        stream.Start();
        Volatile.Write(ref _stream, stream);
        var pump = PumpAsync(stream);
        _ = stream.Live.ContinueWith(_ =>
        {
            if (Volatile.Read(ref _stream) != stream) return;
            Volatile.Read(ref _live).TrySetResult();
            BecameLive?.Invoke();
        }, CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        try
        {
            while (true)
            {
                await Task.Delay(Retry, ct).ConfigureAwait(false);
                await using var ping = new NpgsqlCommand("SELECT 1", lockConnection);
                await ping.ExecuteScalarAsync(ct).ConfigureAwait(false);
            }
        }
        finally
        {
            Volatile.Write(ref _stream, null);
            ResetLive();
            await stream.DisposeAsync().ConfigureAwait(false);
            try
            {
                await pump.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false);
            }
            catch (TimeoutException) { }
            Log.StoppedLeading(logger);
        }
    }

    /// <summary>Moves the stream's transactions into this node's pipeline and to the other nodes, in commit order.</summary>
    private async Task PumpAsync(ReplicationStream stream)
    {
        await foreach (var tx in stream.Transactions.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            Transactions.Writer.TryWrite(tx);
            Forward?.Invoke(tx);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            try
            {
                await _loop.WaitAsync(TimeSpan.FromSeconds(8)).ConfigureAwait(false);
            }
            catch (TimeoutException) { }
        }
        Transactions.Writer.TryComplete();
        _stop.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3121, Level = LogLevel.Information, Message = "Realtime: this node holds the replication lock and streams the slot")]
        public static partial void Leading(ILogger logger);

        [LoggerMessage(EventId = 3122, Level = LogLevel.Information, Message = "Realtime: this node stopped streaming the slot")]
        public static partial void StoppedLeading(ILogger logger);

        [LoggerMessage(EventId = 3123, Level = LogLevel.Warning, Message = "Realtime: replication leadership check failed; retrying")]
        public static partial void LeadershipFailed(ILogger logger, Exception error);
    }
}
