using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;
using Supacs.Core.Postgres;

namespace Supacs.Gateway.Tests;

/// <summary>A real `supacs` child process (the build output beside the tests), for CLI-level tests.</summary>
public sealed class SupacsProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SupacsProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Port { get; }
    public Uri Url => new($"http://127.0.0.1:{Port}");
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>The anon key from the start-up banner (wait for health first).</summary>
    public string AnonKey =>
        Output.Split('\n').Single(l => l.TrimStart().StartsWith("anon key:", StringComparison.Ordinal)).Split(':', 2)[1].Trim();

    public static string Dll => Path.Combine(AppContext.BaseDirectory, "supacs.dll");

    /// <summary>A superuser connection to the embedded cluster of a data dir (port and password from its db.json).</summary>
    public static async Task<NpgsqlConnection> OpenAdminAsync(string dataDir)
    {
        var state = EmbeddedCluster.ReadState(dataDir) ?? throw new InvalidOperationException($"{dataDir} has no db.json");
        var conn = new NpgsqlConnection($"Host=127.0.0.1;Port={state.Port};Username=postgres;Password={state.Password};Pooling=false;Timeout=5");
        await conn.OpenAsync();
        return conn;
    }

    public static async Task<T?> ScalarAsync<T>(string dataDir, string sql)
    {
        await using var conn = await OpenAdminAsync(dataDir);
        await using var cmd = new NpgsqlCommand(sql, conn);
        var value = await cmd.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)value;
    }

    public static async Task ExecuteAsync(string dataDir, string sql)
    {
        await using var conn = await OpenAdminAsync(dataDir);
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static readonly List<string> TempDirs = [];

    static SupacsProcess() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        lock (TempDirs)
            foreach (var dir in TempDirs)
            {
                try { Directory.Delete(dir, recursive: true); }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
            }
    };

    /// <summary>A data dir for one test, deleted when the test process exits.</summary>
    public static string NewDataDir() => TrackTempDir("supacs-gw-");

    public static string TrackTempDir(string prefix)
    {
        var dir = Path.Combine(Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(dir);
        lock (TempDirs) TempDirs.Add(dir);
        return dir;
    }

    public static SupacsProcess Start(string dataDir, IDictionary<string, string>? env = null, int? port = null, params string[] extraArgs)
    {
        var p = port ?? FreePort();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Dll);
        psi.ArgumentList.Add("start");
        psi.ArgumentList.Add("--port");
        psi.ArgumentList.Add(p.ToString(System.Globalization.CultureInfo.InvariantCulture));
        psi.ArgumentList.Add("--data-dir");
        psi.ArgumentList.Add(dataDir);
        foreach (var a in extraArgs) psi.ArgumentList.Add(a);
        psi.Environment["SUPACS_DB_PORT"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["SUPACS_LOG_REQUESTS"] = "0";
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        return new SupacsProcess(Process.Start(psi)!, p);
    }

    /// <summary>Runs a CLI command to completion and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(IDictionary<string, string>? env, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["SUPACS_DB_PORT"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>Polls /health until it answers the wanted status; fails with the process output otherwise.</summary>
    public async Task WaitForHealthAsync(int status = 200, TimeSpan? timeout = null)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"supacs exited with {_process.ExitCode}:\n{Output}");
            try
            {
                using var res = await client.GetAsync(new Uri(Url, "/health"));
                if ((int)res.StatusCode == status) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException($"/health never answered {status}:\n{Output}");
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void KillHard() => _process.Kill(entireProcessTree: false);

    /// <summary>SIGTERM, as a terminal or an orchestrator stops it.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Terminate();
            try { await WaitForExitAsync(TimeSpan.FromSeconds(30)); }
            catch (OperationCanceledException) { _process.Kill(entireProcessTree: true); }
        }
        _process.Dispose();
    }
}
