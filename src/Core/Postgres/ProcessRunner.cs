using System.Diagnostics;
using System.Text;

namespace Supacs.Core.Postgres;

/// <summary>
/// Runs PostgreSQL's tools. PostgreSQL refuses to run as root, so when this process is root every
/// command goes through <c>runuser -u postgres</c>; an unprivileged user runs them directly.
/// </summary>
public static class ProcessRunner
{
    public const string ServiceUser = "postgres";

    public static bool IsRoot => !OperatingSystem.IsWindows() && Environment.IsPrivilegedProcess;

    public sealed record Result(int ExitCode, string StdOut, string StdErr)
    {
        public string Output => (StdOut + "\n" + StdErr).Trim();
    }

    public static ProcessStartInfo StartInfo(string file, IEnumerable<string> args, bool asServiceUser)
    {
        var psi = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (asServiceUser && IsRoot)
        {
            psi.FileName = "runuser";
            psi.ArgumentList.Add("-u");
            psi.ArgumentList.Add(ServiceUser);
            psi.ArgumentList.Add("--");
            psi.ArgumentList.Add(file);
        }
        else
        {
            psi.FileName = file;
        }
        foreach (var a in args) psi.ArgumentList.Add(a);
        // Tools print in English so error texts we show are predictable.
        psi.Environment["LC_MESSAGES"] = "C";
        psi.Environment["LANG"] = "C.UTF-8";
        return psi;
    }

    public static async Task<Result> RunAsync(string file, IEnumerable<string> args, bool asServiceUser,
        string? stdin = null, TimeSpan? timeout = null, CancellationToken ct = default)
    {
        using var process = new Process { StartInfo = StartInfo(file, args, asServiceUser) };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (stdin is not null) await process.StandardInput.WriteAsync(stdin).ConfigureAwait(false);
        process.StandardInput.Close();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            // A caller's cancellation stays a cancellation; only our own deadline is a timeout.
            ct.ThrowIfCancellationRequested();
            throw new TimeoutException($"{file} did not finish in time.");
        }
        process.WaitForExit();
        lock (stdout) lock (stderr) return new Result(process.ExitCode, stdout.ToString(), stderr.ToString());
    }
}
