using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;

namespace Supacs.Core.Postgres;

/// <summary>
/// A PostgreSQL cluster Supacs owns: initdb on first use, start on 127.0.0.1 (preferred port, else a free
/// one), a watchdog that stops the server if this process dies without cleaning up, and a clean stop.
/// Used by <c>supacs start</c> and by the test harness.
/// </summary>
public sealed class EmbeddedCluster : IAsyncDisposable
{
    private readonly PostgresBinaries _binaries;
    private readonly ClusterSettings _settings;
    private Process? _watchdog;

    public EmbeddedCluster(PostgresBinaries binaries, ClusterSettings settings)
    {
        _binaries = binaries;
        _settings = settings;
        PgData = settings.PgDataDir;
    }

    public string PgData { get; }
    public int Port { get; private set; }
    public string Password { get; private set; } = "";
    public bool IsRunning { get; private set; }

    /// <summary>Superuser connection string to a database of this cluster.</summary>
    public string ConnectionString(string database = "postgres") =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Password={Password};Database={database}";

    /// <summary>postgresql:// URL of a database, as printed to users.</summary>
    public string Url(string database = "postgres") =>
        $"postgresql://postgres:{Uri.EscapeDataString(Password)}@127.0.0.1:{Port}/{database}";

    private string StateFile => Path.Combine(_settings.StateDir, "db.json");

    /// <summary>Creates the cluster when it does not exist yet. Returns true when it was created now.</summary>
    public async Task<bool> InitIfNeededAsync(Action<string>? progress = null, CancellationToken ct = default)
    {
        LoadOrCreatePassword();
        if (File.Exists(Path.Combine(PgData, "PG_VERSION"))) return false;
        progress?.Invoke($"Initialising PostgreSQL {_binaries.MajorVersion} cluster in {PgData} …");
        PrepareDirectory(PgData);
        var args = new List<string>
        {
            "-D", PgData, "-U", "postgres", "--encoding=UTF8", "--locale=C.UTF-8",
            "--auth-local=scram-sha-256", "--auth-host=scram-sha-256", "--pwfile=" + PasswordFile,
        };
        if (_settings.NoSync) args.Add("--no-sync");
        WritePasswordFile();
        ProcessRunner.Result result;
        try
        {
            result = await ProcessRunner.RunAsync(_binaries.InitDb, args, asServiceUser: true,
                timeout: TimeSpan.FromMinutes(5), ct: ct).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(PasswordFile);
        }
        if (result.ExitCode != 0)
        {
            // Leave nothing half-made: the next start must be able to try again.
            TryDelete(PgData);
            throw new SupacsStartupException($"initdb failed in {PgData}: {LastLine(result.Output)}");
        }
        return true;
    }

    /// <summary>Starts the server, first stopping an orphan left running by a killed Supacs.</summary>
    public async Task StartAsync(CancellationToken ct = default)
    {
        LoadOrCreatePassword();
        var status = await ProcessRunner.RunAsync(_binaries.PgCtl, ["status", "-D", PgData], asServiceUser: true, ct: ct).ConfigureAwait(false);
        if (status.ExitCode == 0)
            await ProcessRunner.RunAsync(_binaries.PgCtl, ["stop", "-D", PgData, "-m", "fast", "-w", "-t", "60"], asServiceUser: true, ct: ct).ConfigureAwait(false);

        Port = ChoosePort(_settings.PreferredPort);
        var options = string.Join(' ', ServerOptions(Port));
        var log = Path.Combine(PgData, "supacs-postgres.log");
        var result = await ProcessRunner.RunAsync(_binaries.PgCtl,
            ["start", "-D", PgData, "-w", "-t", "120", "-l", log, "-o", options], asServiceUser: true,
            timeout: TimeSpan.FromMinutes(3), ct: ct).ConfigureAwait(false);
        if (result.ExitCode != 0)
            throw new SupacsStartupException($"PostgreSQL did not start (see {log}): {LastLine(ReadTail(log) ?? result.Output)}");
        IsRunning = true;
        SaveState();
        StartWatchdog();
    }

    public async Task StopAsync()
    {
        if (!IsRunning) return;
        IsRunning = false;
        try
        {
            await ProcessRunner.RunAsync(_binaries.PgCtl, ["stop", "-D", PgData, "-m", "fast", "-w", "-t", "60"], asServiceUser: true).ConfigureAwait(false);
        }
        finally
        {
            StopWatchdog();
        }
    }

    /// <summary>True when the postmaster answers pg_ctl status (used by the supervisor).</summary>
    public async Task<bool> IsAliveAsync(CancellationToken ct = default)
    {
        var status = await ProcessRunner.RunAsync(_binaries.PgCtl, ["status", "-D", PgData], asServiceUser: true, ct: ct).ConfigureAwait(false);
        return status.ExitCode == 0;
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    /// <summary>The port recorded by the last start, for tools that attach to a running cluster.</summary>
    public static (int Port, string Password)? ReadState(string stateDir)
    {
        var path = Path.Combine(stateDir, "db.json");
        if (!File.Exists(path)) return null;
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        return (root.GetProperty("port").GetInt32(), root.GetProperty("password").GetString() ?? "");
    }

    private IEnumerable<string> ServerOptions(int port)
    {
        yield return $"-p {port}";
        yield return "-c listen_addresses=127.0.0.1";
        yield return "-c unix_socket_directories=''";
        yield return "-c wal_level=logical";
        yield return "-c max_replication_slots=20";
        yield return "-c max_wal_senders=20";
        yield return $"-c max_connections={_settings.MaxConnections}";
        yield return "-c shared_buffers=128MB";
        if (_settings.NoSync)
        {
            // Test clusters are throwaway: durability buys nothing there.
            yield return "-c fsync=off";
            yield return "-c synchronous_commit=off";
            yield return "-c full_page_writes=off";
        }
    }

    private string PasswordFile => PgData.TrimEnd('/') + ".pwfile";

    /// <summary>initdb reads the superuser password from a file only it (and we) can read.</summary>
    private void WritePasswordFile()
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(PasswordFile, options))
        using (var writer = new StreamWriter(stream))
            writer.WriteLine(Password);
        if (ProcessRunner.IsRoot)
            ProcessRunner.RunAsync("chown", [$"{ProcessRunner.ServiceUser}:", PasswordFile], asServiceUser: false).GetAwaiter().GetResult();
    }

    private void LoadOrCreatePassword()
    {
        if (Password.Length > 0) return;
        var existing = ReadState(_settings.StateDir);
        if (existing is { } s && s.Password.Length > 0)
        {
            Password = s.Password;
            return;
        }
        Password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        SaveState();
    }

    private void SaveState()
    {
        Directory.CreateDirectory(_settings.StateDir);
        PrivateFile.WriteAtomically(StateFile, stream =>
            JsonSerializer.Serialize(stream, new Dictionary<string, object> { ["port"] = Port, ["password"] = Password, ["pgdata"] = PgData }));
    }

    private static void PrepareDirectory(string pgData)
    {
        Directory.CreateDirectory(pgData);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(pgData, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (ProcessRunner.IsRoot)
        {
            var chown = ProcessRunner.RunAsync("chown", ["-R", $"{ProcessRunner.ServiceUser}:", pgData], asServiceUser: false).GetAwaiter().GetResult();
            if (chown.ExitCode != 0)
                throw new SupacsStartupException($"Cannot hand {pgData} to the '{ProcessRunner.ServiceUser}' user: {LastLine(chown.Output)}");
        }
    }

    /// <summary>
    /// A tiny shell loop that stops the server once this process is gone, so a kill -9 of Supacs (or a
    /// crashed test run) never leaves PostgreSQL running; for throwaway clusters it then deletes their folder.
    /// It runs as the invoking user (only pg_ctl goes through runuser), and checks /proc rather than kill -0.
    /// </summary>
    private void StartWatchdog()
    {
        var pid = Environment.ProcessId;
        var stop = $"'{_binaries.PgCtl}' stop -D '{PgData}' -m fast -w -t 60";
        if (ProcessRunner.IsRoot) stop = $"runuser -u {ProcessRunner.ServiceUser} -- {stop}";
        var script = $"while [ -d /proc/{pid} ]; do sleep 1; done; {stop} >/dev/null 2>&1";
        if (_settings.DeleteOnExit is { } dir) script += $"; rm -rf '{dir}'";
        var psi = ProcessRunner.StartInfo("sh", ["-c", script], asServiceUser: false);
        psi.RedirectStandardInput = false;
        psi.RedirectStandardOutput = false;
        psi.RedirectStandardError = false;
        _watchdog = Process.Start(psi);
    }

    private void StopWatchdog()
    {
        try
        {
            if (_watchdog is { HasExited: false }) _watchdog.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException) { }
        _watchdog?.Dispose();
        _watchdog = null;
    }

    private static int ChoosePort(int preferred)
    {
        if (preferred > 0 && IsFree(preferred)) return preferred;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string? ReadTail(string path)
    {
        try
        {
            if (!File.Exists(path)) return null;
            var lines = File.ReadAllLines(path);
            return lines.LastOrDefault(l => l.Contains("FATAL", StringComparison.Ordinal) || l.Contains("ERROR", StringComparison.Ordinal)) ?? lines.LastOrDefault();
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "(no output)";

    private static void TryDelete(string dir)
    {
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Where and how an embedded cluster runs.</summary>
/// <param name="DeleteOnExit">A folder the watchdog removes after stopping the server (test clusters only).</param>
public sealed record ClusterSettings(string PgDataDir, string StateDir, int PreferredPort = 54322, bool NoSync = false,
    int MaxConnections = 200, string? DeleteOnExit = null);
