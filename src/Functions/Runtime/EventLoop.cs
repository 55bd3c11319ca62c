using System.Collections.Concurrent;

namespace Supacs.Functions.Runtime;

/// <summary>
/// One engine's event loop: timers and host operations (fetch, body reads) whose .NET tasks complete on other
/// threads. Completions are queued and run on the engine's flow by <see cref="FunctionWorker"/>, one at a time.
/// </summary>
internal sealed class EventLoop : IDisposable
{
    private readonly ConcurrentQueue<Action> _completions = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly PriorityQueue<int, long> _timers = new();
    private readonly Dictionary<int, long> _dueById = [];
    private int _pending;

    public int PendingOperations => Volatile.Read(ref _pending);
    public bool HasTimers => _dueById.Count > 0;

    /// <summary>Starts tracking a host operation; call <see cref="Complete"/> exactly once when it ends.</summary>
    public void BeginOperation() => Interlocked.Increment(ref _pending);

    /// <summary>Queues the operation's JS-side completion (resolving its promise) to run on the engine.</summary>
    public void Complete(Action onEngine)
    {
        _completions.Enqueue(() =>
        {
            Interlocked.Decrement(ref _pending);
            onEngine();
        });
        try
        {
            _signal.Release();
        }
        catch (ObjectDisposedException)
        {
            // The worker was discarded (limit, wall clock) while this operation was in flight.
        }
    }

    public bool TryDequeue(out Action action) => _completions.TryDequeue(out action!);

    public bool HasCompletions => !_completions.IsEmpty;

    public void SetTimer(int id, double delayMs)
    {
        var due = Environment.TickCount64 + (long)Math.Max(0, delayMs);
        _dueById[id] = due;
        _timers.Enqueue(id, due);
    }

    public void ClearTimer(int id) => _dueById.Remove(id);

    /// <summary>The next due timer, if its time has come.</summary>
    public bool TryTakeDueTimer(out int id)
    {
        var now = Environment.TickCount64;
        while (_timers.TryPeek(out id, out var due))
        {
            if (!_dueById.TryGetValue(id, out var current) || current != due)
            {
                _timers.Dequeue(); // cleared or re-armed: a stale entry
                continue;
            }
            if (due > now) return false;
            _timers.Dequeue();
            _dueById.Remove(id);
            return true;
        }
        return false;
    }

    /// <summary>Milliseconds until the next timer, or -1 (infinite) when none.</summary>
    public int MillisecondsToNextTimer()
    {
        while (_timers.TryPeek(out var id, out var due))
        {
            if (!_dueById.TryGetValue(id, out var current) || current != due)
            {
                _timers.Dequeue();
                continue;
            }
            return (int)Math.Clamp(due - Environment.TickCount64, 0, int.MaxValue);
        }
        return Timeout.Infinite;
    }

    public Task<bool> WaitAsync(int milliseconds, CancellationToken ct) => _signal.WaitAsync(milliseconds, ct);

    public void Dispose() => _signal.Dispose();
}
