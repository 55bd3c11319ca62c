using System.Diagnostics;
using System.Globalization;

namespace Supacs.Realtime.Bench;

/// <summary>
/// Memory per idle connection alone (the broadcast scenario measures it too, before it sends): sockets connect and join
/// channels of <c>perChannel</c>, then sit idle. <c>hold</c> keeps them open that many seconds after the measurement
/// (e.g. to take a heap dump of the server; "idle: holding" on stderr says when).
/// </summary>
internal static class IdleScenario
{
    public static async Task<string> RunAsync(Target target, int connections, int perChannel, int hold)
    {
        const string config = """{"config":{"broadcast":{"self":false},"presence":{"key":""},"postgres_changes":[]}}""";
        async Task<BenchSocket> ConnectAsync(string topic)
        {
            var s = new BenchSocket();
            await s.ConnectAsync(target.SocketUri).ConfigureAwait(false);
            s.StartReceiving((_, _) => { });
            await s.JoinAsync(topic, config).ConfigureAwait(false);
            await s.Joined.Task.ConfigureAwait(false);
            return s;
        }
        // As in the broadcast scenario: 200 sockets connect, join and leave first, so what is paid once is in the baseline.
        var warm = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => ConnectAsync($"realtime:warm-{i % 2}"))).ConfigureAwait(false);
        foreach (var s in warm) await s.DisposeAsync().ConfigureAwait(false);
        await Task.Delay(2000).ConfigureAwait(false);
        var rssBefore = target.ServerRssKb();
        var sw = Stopwatch.StartNew();
        var sockets = new List<BenchSocket>(connections);
        for (var wave = 0; wave < connections; wave += 200)
            sockets.AddRange(await Task.WhenAll(Enumerable.Range(wave, Math.Min(200, connections - wave))
                .Select(i => ConnectAsync($"realtime:idle-{i / perChannel}"))).ConfigureAwait(false));
        var connectSeconds = sw.Elapsed.TotalSeconds;
        await Task.Delay(3000).ConfigureAwait(false);
        var rssIdle = target.ServerRssKb();
        if (hold > 0)
        {
            await Console.Error.WriteLineAsync("idle: holding").ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromSeconds(hold)).ConfigureAwait(false);
        }
        foreach (var s in sockets) await s.DisposeAsync().ConfigureAwait(false);
        return string.Create(CultureInfo.InvariantCulture,
            $"idle: {connections} connections in channels of {perChannel}, connected+joined in {connectSeconds:F1} s; " +
            $"server RSS {rssBefore / 1024.0:F1} MB -> {rssIdle / 1024.0:F1} MB idle = {(rssIdle - rssBefore) / (double)connections:F1} KB per connection");
    }
}
