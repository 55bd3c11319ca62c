using System.Diagnostics;
using System.Globalization;

namespace Supacs.Realtime.Bench;

/// <summary>Broadcast fan-out: channels of N members, one sender per channel at a steady rate, every other member receives.</summary>
internal static class BroadcastScenario
{
    /// <param name="aligned">
    /// All senders tick at the same instant (session 1-2 behaviour: a burst of channels x receivers frames every tick) instead of
    /// independently, each channel's phase spread evenly over the interval as independent clients' would be.
    /// </param>
    public static async Task<string> RunAsync(Target target, int connections, int perChannel, int ratePerChannel, int seconds, bool aligned = false)
    {
        var channels = connections / perChannel;
        var latencies = new Latencies();
        var measuring = 0;
        // Only messages sent after the warm-up count (a late warm-up delivery is not a measured one).
        var measureFrom = long.MaxValue;
        var sockets = new List<BenchSocket>(connections);
        // Warm-up: 200 sockets connect, join and leave first, so the RSS baseline already holds what is paid once
        // (JIT-compiled code, thread-pool threads, the project's realtime hub) and the delta is per connection.
        var warm = await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            var s = new BenchSocket();
            await s.ConnectAsync(target.SocketUri).ConfigureAwait(false);
            s.StartReceiving((_, _) => { });
            await s.JoinAsync($"realtime:warm-{i % 2}", """{"config":{"broadcast":{"self":false},"presence":{"key":""},"postgres_changes":[]}}""").ConfigureAwait(false);
            await s.Joined.Task.ConfigureAwait(false);
            return s;
        })).ConfigureAwait(false);
        foreach (var s in warm) await s.DisposeAsync().ConfigureAwait(false);
        await Task.Delay(2000).ConfigureAwait(false);
        var rssBefore = target.ServerRssKb();
        var sw = Stopwatch.StartNew();
        // Connect in waves so the accept queue and join limits are not the thing measured.
        for (var wave = 0; wave < connections; wave += 200)
        {
            var batch = Enumerable.Range(wave, Math.Min(200, connections - wave)).Select(async i =>
            {
                var s = new BenchSocket();
                await s.ConnectAsync(target.SocketUri).ConfigureAwait(false);
                s.StartReceiving((frame, binary) =>
                {
                    if (!binary || Volatile.Read(ref measuring) == 0) return;
                    var stamp = BenchSocket.ReadStamp(frame.Span);
                    if (stamp >= Volatile.Read(ref measureFrom)) latencies.Add(Stopwatch.GetTimestamp() - stamp);
                });
                await s.JoinAsync($"realtime:bench-{i / perChannel}", """{"config":{"broadcast":{"self":false},"presence":{"key":""},"postgres_changes":[]}}""").ConfigureAwait(false);
                await s.Joined.Task.ConfigureAwait(false);
                return s;
            }).ToList();
            sockets.AddRange(await Task.WhenAll(batch).ConfigureAwait(false));
        }
        var connectSeconds = sw.Elapsed.TotalSeconds;
        await Task.Delay(3000).ConfigureAwait(false);
        var rssIdle = target.ServerRssKb();
        var perConnectionKb = (rssIdle - rssBefore) / (double)connections;

        // Senders: member 0 of each channel. A 2 s warm-up (not measured) lets the server's JIT compile the fan-out path.
        async Task<long> SendAsync(int forSeconds)
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(forSeconds));
            var count = 0L;
            var senders = Enumerable.Range(0, channels).Select(async c =>
            {
                var s = sockets[c * perChannel];
                var interval = TimeSpan.FromSeconds(1.0 / ratePerChannel);
                if (!aligned) await Task.Delay(interval * c / channels).ConfigureAwait(false);
                using var timer = new PeriodicTimer(interval);
                try
                {
                    while (await timer.WaitForNextTickAsync(stop.Token).ConfigureAwait(false))
                    {
                        await s.BroadcastAsync($"realtime:bench-{c}", "tick", $$"""{"t":{{Stopwatch.GetTimestamp()}}}""").ConfigureAwait(false);
                        Interlocked.Increment(ref count);
                    }
                }
                catch (OperationCanceledException) { }
            }).ToList();
            await Task.WhenAll(senders).ConfigureAwait(false);
            return count;
        }
        await SendAsync(2).ConfigureAwait(false);
        await Task.Delay(1000).ConfigureAwait(false);
        Volatile.Write(ref measuring, 1);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var serverCpu = target.ServerCpuSeconds();
        var serverJit = target.ServerJitCpuSeconds();
        var clientCpu = Target.ClientCpuSeconds();
        var start = Stopwatch.GetTimestamp();
        Volatile.Write(ref measureFrom, start);
        // Heartbeats as realtime-js sends them (every 25 s per socket), the sockets' phases spread over the interval like
        // independent clients' (not all 5,000 at once at the start of the measured window).
        var heartbeats = Task.Run(async () =>
        {
            var period = TimeSpan.FromSeconds(25);
            var sentBeats = 0L;
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
            try
            {
                while (await timer.WaitForNextTickAsync(stop.Token).ConfigureAwait(false))
                {
                    var due = (long)(Stopwatch.GetElapsedTime(start) / period * sockets.Count);
                    for (; sentBeats < due; sentBeats++) await sockets[(int)(sentBeats % sockets.Count)].HeartbeatAsync().ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) { }
        });
        var sent = await SendAsync(seconds).ConfigureAwait(false);
        var expected = sent * (perChannel - 1);
        var drainUntil = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 10);
        while (latencies.Count < expected && Stopwatch.GetTimestamp() < drainUntil) await Task.Delay(50).ConfigureAwait(false);
        // Throughput over the time from the first send to the last delivery.
        var elapsed = (latencies.Last - start) / (double)Stopwatch.Frequency;
        var delivered = latencies.Count;
        serverCpu = target.ServerCpuSeconds() - serverCpu;
        serverJit = target.ServerJitCpuSeconds() - serverJit;
        clientCpu = Target.ClientCpuSeconds() - clientCpu;
        await heartbeats.ConfigureAwait(false);
        foreach (var s in sockets) await s.DisposeAsync().ConfigureAwait(false);
        return string.Create(CultureInfo.InvariantCulture,
            $"broadcast: {connections} connections, {channels} channels of {perChannel}, {ratePerChannel} msg/s per channel{(aligned ? " (senders aligned)" : "")}, {seconds} s; " +
            $"connected+joined in {connectSeconds:F1} s; sent {sent}, delivered {delivered} of {expected} ({delivered / elapsed:F0} delivered/s); " +
            $"{latencies.Percentiles()}; CPU per delivered message: server {serverCpu * 1e6 / Math.Max(1, delivered):F1} µs (JIT thread {serverJit * 1e6 / Math.Max(1, delivered):F1} µs), load client {clientCpu * 1e6 / Math.Max(1, delivered):F1} µs; server RSS {rssBefore / 1024.0:F1} MB -> {rssIdle / 1024.0:F1} MB idle = {perConnectionKb:F1} KB per connection");
    }
}
