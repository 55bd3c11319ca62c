using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using Supacs.Realtime.Channels;
using Supacs.Testing;

namespace Supacs.Realtime.Tests.Channels;

/// <summary>
/// A redis-server of the test's own on a free port. When the machine lacks one, <c>scripts/deps.sh</c>'s
/// <c>ensure_redis</c> installs Debian's package first.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly Process _process;

    private RedisServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public static async Task<RedisServer> StartAsync()
    {
        if (!OnPath("redis-server"))
        {
            using var install = Process.Start(new ProcessStartInfo("bash", ["-c", "source scripts/deps.sh && ensure_redis"]) { WorkingDirectory = RepoPaths.Root })!;
            await install.WaitForExitAsync();
            if (install.ExitCode != 0 || !OnPath("redis-server")) throw new InvalidOperationException("redis-server is missing and could not be installed (scripts/deps.sh ensure_redis)");
        }
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var process = Process.Start(new ProcessStartInfo("redis-server",
            ["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new RedisServer(process, port);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port, cts.Token);
                return server;
            }
            catch (SocketException) when (!cts.IsCancellationRequested && !process.HasExited)
            {
                await Task.Delay(50, cts.Token);
            }
        }
    }

    private static bool OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, name)));

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}

/// <summary>Two nodes whose backplane is Redis (<c>redis_url</c> in [realtime]).</summary>
public sealed class RedisTwoNodeFixture : TwoNodeFixture, IAsyncLifetime
{
    private RedisServer? _redis;

    protected override string? ConfigToml => $"[realtime]\nredis_url = \"redis://127.0.0.1:{_redis!.Port}\"\n";

    protected override async Task SetUpAsync(TestDatabase database)
    {
        _redis = await RedisServer.StartAsync();
        await database.ExecuteAsync("""
            CREATE TABLE public.notes (id int PRIMARY KEY, body text);
            GRANT ALL ON public.notes TO anon, authenticated, service_role;
            ALTER PUBLICATION supabase_realtime ADD TABLE public.notes;
            """);
        await base.SetUpAsync(database);
    }

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_redis is not null) await _redis.DisposeAsync();
    }
}

/// <summary>With <c>redis_url</c> set, broadcast, presence and the slot leader's changes cross nodes through Redis, not PostgreSQL.</summary>
public sealed class RedisBackplaneTests(RedisTwoNodeFixture fixture) : IClassFixture<RedisTwoNodeFixture>
{
    private static RealtimeHub Hub(SupacsTestHost host) => host.Project.Features.OfType<RealtimeHub>().Single();

    private static object Config(string key) => new
    {
        config = new { broadcast = new { self = false }, presence = new { key, enabled = true }, postgres_changes = new[] { new { @event = "INSERT", schema = "public", table = "notes" } } },
        access_token = TestTokens.For(null, "service_role"),
    };

    [Fact]
    public async Task Messages_cross_nodes_through_redis_and_none_through_notify()
    {
        // Anything sent on the PostgreSQL backplane channel would show up here.
        await using var listen = await fixture.Database.Admin.OpenConnectionAsync();
        var notified = 0;
        listen.Notification += (_, e) => { if (e.Channel == "supacs_realtime") Interlocked.Increment(ref notified); };
        await using (var cmd = new NpgsqlCommand("LISTEN supacs_realtime", listen)) await cmd.ExecuteNonQueryAsync();

        await using var onA = await fixture.ConnectAsync("2.0.0");
        await using var onB = await fixture.ConnectSecondAsync("1.0.0");
        var (aRef, _) = await onA.JoinAsync("realtime:redis", Config("alice"));
        var (bRef, _) = await onB.JoinAsync("realtime:redis", Config("bob"));
        await onA.WaitForAsync(m => m.Event == "system" && m.Payload!["message"]!.GetValue<string>() == "Subscribed to PostgreSQL", TimeSpan.FromSeconds(20));
        await onB.WaitForAsync(m => m.Event == "system" && m.Payload!["message"]!.GetValue<string>() == "Subscribed to PostgreSQL", TimeSpan.FromSeconds(20));
        Assert.Equal("redis", Hub(fixture.Host).Backplane.Transport);
        Assert.Equal("redis", Hub(fixture.Second).Backplane.Transport);
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15)))
            while (!(Hub(fixture.Host).Backplane.HasPeers && Hub(fixture.Second).Backplane.HasPeers)) await Task.Delay(20, cts.Token);

        // Broadcast both ways, one far over PostgreSQL's NOTIFY limit.
        await onA.BroadcastBinaryAsync("realtime:redis", aRef, "hello", """{"from":"a"}""");
        Assert.Equal("a", (await onB.WaitForAsync(m => m.Event == "broadcast")).Payload!["payload"]!["from"]!.GetValue<string>());
        var big = new string('x', 50_000);
        await onB.PushAsync("realtime:redis", "broadcast", new { type = "broadcast", @event = "big", payload = new { big } }, bRef);
        Assert.Equal(50_000, (await onA.WaitForAsync(m => m.Event == "broadcast")).Payload!["payload"]!["big"]!.GetValue<string>().Length);

        // Presence from node B reaches node A.
        await onB.PushAsync("realtime:redis", "presence", new { type = "presence", @event = "track", payload = new { status = "via redis" } }, bRef);
        var diff = await onA.WaitForAsync(m => m.Event == "presence_diff" && m.Payload!["joins"]!["bob"] is not null);
        Assert.Equal("via redis", diff.Payload!["joins"]!["bob"]!["metas"]![0]!["status"]!.GetValue<string>());

        // A change streamed by the slot's node reaches subscribers on both.
        await fixture.Database.ExecuteAsync("INSERT INTO public.notes VALUES (1, 'through redis')");
        Assert.Equal("through redis", (await onA.WaitForAsync(m => m.Event == "postgres_changes")).Payload!["data"]!["record"]!["body"]!.GetValue<string>());
        Assert.Equal("through redis", (await onB.WaitForAsync(m => m.Event == "postgres_changes")).Payload!["data"]!["record"]!["body"]!.GetValue<string>());

        await listen.WaitAsync(TimeSpan.FromMilliseconds(300));
        Assert.Equal(0, Volatile.Read(ref notified));
    }

    [Fact]
    public void Redis_urls_and_configuration_strings_are_understood()
    {
        var url = Backplane.RedisOptions("redis://user:p%40ss@cache.example:6380/2");
        Assert.Equal("cache.example:6380", url.EndPoints.Single().ToString()!.Replace("Unspecified/", "", StringComparison.Ordinal));
        Assert.Equal("user", url.User);
        Assert.Equal("p@ss", url.Password);
        Assert.Equal(2, url.DefaultDatabase);
        Assert.False(url.Ssl);
        Assert.True(Backplane.RedisOptions("rediss://:secret@h").Ssl);
        Assert.Equal("secret", Backplane.RedisOptions("rediss://:secret@h").Password);
        Assert.Equal("pw", Backplane.RedisOptions("localhost:7000,password=pw").Password);
    }
}
