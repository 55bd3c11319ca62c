using System.Diagnostics;

namespace Supacs.Realtime.Channels;

/// <summary>
/// A rolling-window event counter (upstream averages events/s, joins/s and presence events/s over 60 s in 12 buckets of 5 s).
/// Thread-safe; <see cref="TryAdd"/> counts the event only when the window's total stays within the limit.
/// </summary>
internal sealed class RateCounter(long limitPerWindow, TimeSpan window, int buckets)
{
    private readonly Lock _lock = new();
    private readonly long[] _counts = new long[buckets];
    private readonly long _bucketTicks = window.Ticks / buckets;
    private long _currentBucket;

    public bool TryAdd(int n = 1)
    {
        var now = Stopwatch.GetElapsedTime(0).Ticks / _bucketTicks;
        lock (_lock)
        {
            Advance(now);
            long total = 0;
            foreach (var c in _counts) total += c;
            if (total + n > limitPerWindow) return false;
            _counts[now % _counts.Length] += n;
            return true;
        }
    }

    /// <summary>Counts <paramref name="n"/> events whatever the limit (e.g. fan-out that already happened).</summary>
    public void Add(long n)
    {
        var now = Stopwatch.GetElapsedTime(0).Ticks / _bucketTicks;
        lock (_lock)
        {
            Advance(now);
            _counts[now % _counts.Length] += n;
        }
    }

    /// <summary>True when the window is at its limit (nothing counted): the next <see cref="TryAdd"/> would fail.</summary>
    public bool IsFull
    {
        get
        {
            var now = Stopwatch.GetElapsedTime(0).Ticks / _bucketTicks;
            lock (_lock)
            {
                Advance(now);
                long total = 0;
                foreach (var c in _counts) total += c;
                return total >= limitPerWindow;
            }
        }
    }

    private void Advance(long now)
    {
        if (now == _currentBucket) return;
        var steps = Math.Min(now - _currentBucket, _counts.Length);
        for (long i = 1; i <= steps; i++) _counts[(_currentBucket + i) % _counts.Length] = 0;
        _currentBucket = now;
    }
}
