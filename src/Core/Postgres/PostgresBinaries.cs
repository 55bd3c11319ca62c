using System.Text.RegularExpressions;

namespace Supacs.Core.Postgres;

/// <summary>Finds PostgreSQL ≥ 15 server binaries: on PATH first, then Debian's /usr/lib/postgresql/*/bin.</summary>
public sealed partial class PostgresBinaries
{
    public const int MinimumMajorVersion = 15;

    public const string InstallHint =
        "PostgreSQL 15+ server binaries were not found: install them with `apt-get install -y postgresql-15 postgresql-contrib` (or run ./run as root, which does it for you).";

    private PostgresBinaries(string binDir, int majorVersion)
    {
        BinDir = binDir;
        MajorVersion = majorVersion;
    }

    public string BinDir { get; }
    public int MajorVersion { get; }
    public string InitDb => Path.Combine(BinDir, "initdb");
    public string PgCtl => Path.Combine(BinDir, "pg_ctl");
    public string Postgres => Path.Combine(BinDir, "postgres");

    /// <summary>The binaries, or null when none of version 15 or later is installed.</summary>
    public static PostgresBinaries? TryLocate()
    {
        foreach (var dir in CandidateDirs())
        {
            if (!File.Exists(Path.Combine(dir, "initdb")) || !File.Exists(Path.Combine(dir, "pg_ctl")) || !File.Exists(Path.Combine(dir, "postgres")))
                continue;
            var version = ReadMajorVersion(dir);
            if (version >= MinimumMajorVersion) return new PostgresBinaries(dir, version);
        }
        return null;
    }

    public static PostgresBinaries Locate() => TryLocate() ?? throw new SupacsStartupException(InstallHint);

    private static IEnumerable<string> CandidateDirs()
    {
        // SUPACS_PG_BIN pins one folder (several PostgreSQL versions installed, or a custom build).
        if (Environment.GetEnvironmentVariable("SUPACS_PG_BIN") is { Length: > 0 } pinned)
        {
            yield return pinned;
            yield break;
        }
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var pgctl = Path.Combine(dir, "pg_ctl");
            if (!File.Exists(pgctl)) continue;
            // Debian links /usr/local/bin/pg_ctl into the versioned folder: follow it to find initdb beside it.
            var target = new FileInfo(pgctl).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? pgctl;
            yield return Path.GetDirectoryName(target)!;
        }
        const string debianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(debianRoot))
        {
            foreach (var dir in Directory.GetDirectories(debianRoot).OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
                yield return Path.Combine(dir, "bin");
        }
    }

    private static int ReadMajorVersion(string dir)
    {
        // Debian's layout names the version; elsewhere ask the binary.
        var parent = Path.GetFileName(Path.GetDirectoryName(dir) ?? "");
        if (int.TryParse(parent, out var fromPath)) return fromPath;
        try
        {
            var result = ProcessRunner.RunAsync(Path.Combine(dir, "postgres"), ["--version"], asServiceUser: false,
                timeout: TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
            var m = VersionPattern().Match(result.StdOut);
            return m.Success ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return 0;
        }
    }

    [GeneratedRegex(@"\(PostgreSQL\) (\d+)")]
    private static partial Regex VersionPattern();
}
