using System.Net;
using System.Net.Sockets;
using Npgsql;
using Supacs.Core.Postgres;

namespace Supacs.Gateway.Tests.Cli;

/// <summary>The embedded cluster's life with the process: clean stop, kill -9 recovery, clear start-up errors.</summary>
public sealed class LifecycleTests
{
    private static async Task<bool> CanConnectAsync(string dataDir)
    {
        try
        {
            await using var conn = await SupacsProcess.OpenAdminAsync(dataDir);
            return true;
        }
        catch (NpgsqlException)
        {
            return false;
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task Kill_9_leaves_no_orphan_and_the_next_start_keeps_the_data()
    {
        var dataDir = SupacsProcess.NewDataDir();
        await using (var first = SupacsProcess.Start(dataDir))
        {
            await first.WaitForHealthAsync();
            await SupacsProcess.ExecuteAsync(dataDir, "CREATE TABLE public.survivor (v int); INSERT INTO public.survivor VALUES (42);");
            first.KillHard();
            await first.WaitForExitAsync(TimeSpan.FromSeconds(10));
            // The watchdog notices the dead parent and stops PostgreSQL.
            await WaitUntilAsync(async () => !await CanConnectAsync(dataDir), TimeSpan.FromSeconds(20));
        }
        await using var second = SupacsProcess.Start(dataDir);
        await second.WaitForHealthAsync();
        Assert.Equal(42, await SupacsProcess.ScalarAsync<int>(dataDir, "SELECT v FROM public.survivor"));
    }

    [Fact]
    public async Task Sigterm_stops_the_cluster_cleanly_and_exits_zero()
    {
        var dataDir = SupacsProcess.NewDataDir();
        await using var process = SupacsProcess.Start(dataDir);
        await process.WaitForHealthAsync();
        Assert.True(await CanConnectAsync(dataDir));
        process.Terminate();
        Assert.Equal(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.False(await CanConnectAsync(dataDir));
    }

    [Fact]
    public async Task A_second_instance_on_the_same_data_dir_is_refused()
    {
        var dataDir = SupacsProcess.NewDataDir();
        await using var first = SupacsProcess.Start(dataDir);
        await first.WaitForHealthAsync();
        await using var second = SupacsProcess.Start(dataDir);
        Assert.Equal(1, await second.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("error: Another supacs is already running with data dir", second.Output, StringComparison.Ordinal);
        await first.WaitForHealthAsync();
    }

    [Fact]
    public async Task Port_in_use_is_one_clear_line()
    {
        using var blocker = new TcpListener(IPAddress.Loopback, 0);
        blocker.Start();
        var port = ((IPEndPoint)blocker.LocalEndpoint).Port;
        await using var process = SupacsProcess.Start(SupacsProcess.NewDataDir(), port: port);
        Assert.Equal(1, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal($"error: Port {port} is already in use; choose another with --port.", process.Output.Trim());
    }

    [Fact]
    public async Task Unwritable_data_dir_is_one_clear_line()
    {
        var file = Path.GetTempFileName();
        await using var process = SupacsProcess.Start(Path.Combine(file, "data"));
        Assert.Equal(1, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.StartsWith("error: The data dir", process.Output.Trim(), StringComparison.Ordinal);
        Assert.Contains("is not writable", process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_postgres_binaries_say_how_to_install_them()
    {
        await using var process = SupacsProcess.Start(SupacsProcess.NewDataDir(), new Dictionary<string, string> { ["SUPACS_PG_BIN"] = "/nonexistent/bin" });
        Assert.Equal(1, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("error: " + PostgresBinaries.InstallHint, process.Output.Trim());
    }
}
