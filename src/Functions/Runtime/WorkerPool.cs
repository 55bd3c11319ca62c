using Supacs.Functions.Loading;
using System.Collections.Concurrent;
using System.Diagnostics;

namespace Supacs.Functions.Runtime;

/// <summary>
/// Idle pre-warmed workers of one function. A rented worker serves one request; a healthy one comes back,
/// a broken or stale one is dropped. Edits to any file the function loaded retire every idle worker.
/// </summary>
internal sealed class WorkerPool(string name, FunctionServices services) : IDisposable
{
    private readonly ConcurrentQueue<FunctionWorker> _idle = new();
    private readonly SemaphoreSlim _slots = new(services.Options.MaxWorkersPerFunction, services.Options.MaxWorkersPerFunction);
    private int _warming;

    public string Name { get; } = name;

    public int IdleCount => _idle.Count;

    /// <summary>Called with the boot time of every engine booted for a request.</summary>
    public Action<string, double>? OnBoot { get; set; }

    /// <summary>A worker for <paramref name="entry"/>; boots one when none is idle (throws on boot failure).</summary>
    public async Task<FunctionWorker> RentAsync(string entry, FunctionSettings settings, CancellationToken ct)
    {
        await _slots.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            while (_idle.TryDequeue(out var worker))
            {
                if (!worker.IsStale(entry)) return worker;
                FunctionsLog.Reloading(services.Logger, Name);
                worker.Dispose();
                DrainIdle();
            }
            var started = Stopwatch.GetTimestamp();
            var booted = await Task.Run(() => FunctionWorker.Boot(services, Name, entry, settings), ct).ConfigureAwait(false);
            var elapsed = Stopwatch.GetElapsedTime(started);
            FunctionsLog.Booted(services.Logger, Name, (long)elapsed.TotalMilliseconds);
            OnBoot?.Invoke(Name, elapsed.TotalSeconds);
            WarmInBackground(entry, settings);
            return booted;
        }
        catch
        {
            _slots.Release();
            throw;
        }
    }

    public void Return(FunctionWorker worker)
    {
        _slots.Release();
        if (worker.Broken || _idle.Count >= services.Options.PoolSize) worker.Dispose();
        else _idle.Enqueue(worker);
    }

    /// <summary>Boots one worker into the idle pool now (at start-up); boot errors wait for a request to report them.</summary>
    public void Prewarm(string entry, FunctionSettings settings)
    {
        if (services.Options.PoolSize == 0 || !_idle.IsEmpty) return;
        try
        {
            var worker = FunctionWorker.Boot(services, Name, entry, settings);
            if (_idle.IsEmpty) _idle.Enqueue(worker);
            else worker.Dispose();
        }
        catch (Exception)
        {
            // Reported with the platform's error shape on the first request.
        }
    }

    /// <summary>Keeps one spare engine ready so the next concurrent request does not pay the boot.</summary>
    private void WarmInBackground(string entry, FunctionSettings settings)
    {
        if (services.Options.PoolSize == 0 || !_idle.IsEmpty || Interlocked.Exchange(ref _warming, 1) == 1) return;
        _ = Task.Run(() =>
        {
            try
            {
                var worker = FunctionWorker.Boot(services, Name, entry, settings);
                if (_idle.Count < services.Options.PoolSize) _idle.Enqueue(worker);
                else worker.Dispose();
            }
            catch (Exception)
            {
                // The request path reports boot errors; a failed warm-up is not worth a log line.
            }
            finally
            {
                Volatile.Write(ref _warming, 0);
            }
        });
    }

    private void DrainIdle()
    {
        while (_idle.TryDequeue(out var w)) w.Dispose();
    }

    public void Dispose()
    {
        DrainIdle();
        _slots.Dispose();
    }
}
