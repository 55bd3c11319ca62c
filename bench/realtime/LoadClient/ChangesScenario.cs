using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Supacs.Realtime.Bench;

/// <summary>
/// postgres_changes with RLS: subscribers spread over users, each subscribed to INSERTs on an RLS table where a user sees
/// only their rows; rows inserted at a steady rate for random users, so each row reaches that user's subscribers.
/// </summary>
internal static class ChangesScenario
{
    /// <summary>postgresql://user:password@host:port/db as an Npgsql connection string.</summary>
    private static string ConnectionString(string url)
    {
        var uri = new Uri(url);
        var userInfo = uri.UserInfo.Split(':', 2);
        return new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.Port > 0 ? uri.Port : 5432,
            Database = uri.AbsolutePath.TrimStart('/'),
            Username = Uri.UnescapeDataString(userInfo[0]),
            Password = userInfo.Length > 1 ? Uri.UnescapeDataString(userInfo[1]) : null,
        }.ConnectionString;
    }

    public static async Task<string> RunAsync(Target target, int subscribers, int users, int rowsPerSecond, int seconds)
    {
        await using var db = NpgsqlDataSource.Create(ConnectionString(target.DbUrl));
        await using (var setup = db.CreateCommand("""
            DROP TABLE IF EXISTS public.bench_items;
            CREATE TABLE public.bench_items (id bigserial PRIMARY KEY, user_id uuid NOT NULL, t bigint NOT NULL, body text);
            ALTER TABLE public.bench_items ENABLE ROW LEVEL SECURITY;
            CREATE POLICY own ON public.bench_items FOR SELECT TO authenticated USING (auth.uid() = user_id);
            GRANT SELECT ON public.bench_items TO authenticated;
            ALTER PUBLICATION supabase_realtime ADD TABLE public.bench_items;
            """))
            await setup.ExecuteNonQueryAsync().ConfigureAwait(false);

        var userIds = Enumerable.Range(0, users).Select(_ => Guid.NewGuid()).ToArray();
        // One session token per user (as a signed-in user's tabs share it): 100 users are 100 (role, claims) groups.
        var tokens = userIds.Select(u => target.UserToken(u.ToString())).ToArray();
        var latencies = new Latencies();
        var measuring = 0;
        // Only messages sent after the warm-up count (a late warm-up delivery is not a measured one).
        var measureFrom = long.MaxValue;
        var sockets = new List<BenchSocket>();
        var sw = Stopwatch.StartNew();
        for (var wave = 0; wave < subscribers; wave += 100)
        {
            var batch = Enumerable.Range(wave, Math.Min(100, subscribers - wave)).Select(async i =>
            {
                var s = new BenchSocket();
                await s.ConnectAsync(target.SocketUri).ConfigureAwait(false);
                s.StartReceiving((frame, binary) =>
                {
                    if (binary || Volatile.Read(ref measuring) == 0) return;
                    var span = frame.Span;
                    if (span.IndexOf("\"postgres_changes\",{"u8) < 0) return;
                    var stamp = BenchSocket.ReadStamp(span);
                    if (stamp >= Volatile.Read(ref measureFrom)) latencies.Add(Stopwatch.GetTimestamp() - stamp);
                });
                var token = tokens[i % users];
                await s.JoinAsync($"realtime:items-{i}", $$"""{"config":{"broadcast":{"self":false},"presence":{"key":""},"postgres_changes":[{"event":"INSERT","schema":"public","table":"bench_items"}]},"access_token":"{{token}}"}""").ConfigureAwait(false);
                await s.Subscribed.Task.ConfigureAwait(false);
                return s;
            }).ToList();
            sockets.AddRange(await Task.WhenAll(batch).ConfigureAwait(false));
        }
        var connectSeconds = sw.Elapsed.TotalSeconds;

        // Warm-up (not measured): the same load for 3 s, so the server's JIT has compiled the dispatch path.
        await InsertAsync(db, userIds, rowsPerSecond, 3).ConfigureAwait(false);
        await Task.Delay(2000).ConfigureAwait(false);
        Volatile.Write(ref measuring, 1);
        var serverCpu = target.ServerCpuSeconds();
        var clientCpu = Target.ClientCpuSeconds();
        var pgCpu = Target.PostgresCpuSeconds();
        var start = Stopwatch.GetTimestamp();
        Volatile.Write(ref measureFrom, start);
        var inserted = await InsertAsync(db, userIds, rowsPerSecond, seconds).ConfigureAwait(false);
        var expected = inserted * (subscribers / users);
        var drainUntil = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 30);
        while (latencies.Count < expected && Stopwatch.GetTimestamp() < drainUntil) await Task.Delay(100).ConfigureAwait(false);
        var elapsed = (latencies.Last - start) / (double)Stopwatch.Frequency;
        var delivered = latencies.Count;
        serverCpu = target.ServerCpuSeconds() - serverCpu;
        clientCpu = Target.ClientCpuSeconds() - clientCpu;
        pgCpu = Target.PostgresCpuSeconds() - pgCpu;
        foreach (var s in sockets) await s.DisposeAsync().ConfigureAwait(false);
        await using (var drop = db.CreateCommand("DROP TABLE public.bench_items")) await drop.ExecuteNonQueryAsync().ConfigureAwait(false);
        return string.Create(CultureInfo.InvariantCulture,
            $"postgres_changes with RLS: {subscribers} subscribers across {users} users, {rowsPerSecond} rows/s for {seconds} s; " +
            $"subscribed in {connectSeconds:F1} s; inserted {inserted}, delivered {delivered} of {expected} in {elapsed:F1} s ({delivered / elapsed:F0} delivered/s); {latencies.Percentiles()}; " +
            $"CPU per delivered message: server {serverCpu * 1e6 / Math.Max(1, delivered):F1} µs, PostgreSQL {pgCpu * 1e6 / Math.Max(1, delivered):F1} µs, load client {clientCpu * 1e6 / Math.Max(1, delivered):F1} µs");
    }

    /// <summary>50 transactions per second for <paramref name="seconds"/>, each inserting rowsPerSecond/50 rows for random users.</summary>
    private static async Task<long> InsertAsync(NpgsqlDataSource db, Guid[] userIds, int rowsPerSecond, int seconds)
    {
        var inserted = 0L;
        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds)))
        {
            // 50 transactions per second, each inserting rowsPerSecond/50 rows for random users.
            var perTick = Math.Max(1, rowsPerSecond / 50);
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
            var random = new Random(42);
            try
            {
                while (await timer.WaitForNextTickAsync(stop.Token).ConfigureAwait(false))
                {
                    await using var cmd = db.CreateCommand("INSERT INTO public.bench_items (user_id, t, body) SELECT u, $2, 'x' FROM unnest($1::uuid[]) u");
                    cmd.Parameters.Add(new NpgsqlParameter { Value = Enumerable.Range(0, perTick).Select(_ => userIds[random.Next(userIds.Length)]).ToArray() });
                    cmd.Parameters.Add(new NpgsqlParameter { Value = Stopwatch.GetTimestamp() });
                    await cmd.ExecuteNonQueryAsync(stop.Token).ConfigureAwait(false);
                    inserted += perTick;
                }
            }
            catch (OperationCanceledException) { }
        }
        return inserted;
    }
}
