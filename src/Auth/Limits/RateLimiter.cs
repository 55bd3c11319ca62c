using System.Collections.Concurrent;

namespace Supacs.Auth.Limits;

/// <summary>
/// Token buckets keyed by (limit, client): <c>capacity</c> requests at once, refilled at <c>count</c> per
/// <c>window</c> — the shape of GoTrue's limiters (burst 30). Per project; idle buckets are dropped lazily.
/// </summary>
internal sealed class RateLimiter(TimeProvider time)
{
    private readonly ConcurrentDictionary<(string Limit, string Key), Bucket> _buckets = new();
    private long _lastSweep;

    public bool TryTake(string limit, string key, double count, TimeSpan window, double burst)
    {
        var now = time.GetTimestamp();
        Sweep(now);
        var capacity = Math.Min(burst, count);
        var bucket = _buckets.GetOrAdd((limit, key), _ => new Bucket(capacity, now));
        lock (bucket)
        {
            var elapsed = time.GetElapsedTime(bucket.Updated, now);
            bucket.Tokens = Math.Min(capacity, bucket.Tokens + elapsed.TotalSeconds * count / window.TotalSeconds);
            bucket.Updated = now;
            if (bucket.Tokens < 1) return false;
            bucket.Tokens -= 1;
            return true;
        }
    }

    private void Sweep(long now)
    {
        var last = Interlocked.Read(ref _lastSweep);
        if (time.GetElapsedTime(last, now) < TimeSpan.FromMinutes(10) || Interlocked.CompareExchange(ref _lastSweep, now, last) != last) return;
        foreach (var (k, b) in _buckets)
            if (time.GetElapsedTime(b.Updated, now) > TimeSpan.FromHours(2)) _buckets.TryRemove(k, out _);
    }

    private sealed class Bucket(double tokens, long updated)
    {
        public double Tokens { get; set; } = tokens;
        public long Updated { get; set; } = updated;
    }
}
