using System.Security.Cryptography;
using System.Text;
using Supacs.Core.Postgres;

namespace Supacs.Core.Hosting;

/// <summary>
/// Decides where the embedded cluster's files live: <c>DATA_DIR/pg</c>, unless Supacs runs as root and
/// the unprivileged postgres user cannot reach the data dir (say, under /root), in which case a folder
/// under /var/lib/supacs named after the data dir is used instead.
/// </summary>
public static class ClusterLocator
{
    public static async Task<ClusterSettings> LocateAsync(string dataDir, int preferredPort)
    {
        dataDir = Path.GetFullPath(dataDir);
        var pgData = Path.Combine(dataDir, "pg");
        if (ProcessRunner.IsRoot)
        {
            var probe = await ProcessRunner.RunAsync("test", ["-x", dataDir], asServiceUser: true).ConfigureAwait(false);
            if (probe.ExitCode != 0)
            {
                var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(dataDir)))[..12];
                var root = Path.Combine("/var/lib/supacs", hash);
                Directory.CreateDirectory(root);
                pgData = Path.Combine(root, "pg");
            }
        }
        return new ClusterSettings(pgData, dataDir, preferredPort);
    }

    /// <summary>Fails early, with one sentence, when the data dir cannot be written.</summary>
    public static void EnsureWritable(string dataDir)
    {
        try
        {
            Directory.CreateDirectory(dataDir);
            var probe = Path.Combine(dataDir, ".write-test");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SupacsStartupException($"The data dir {Path.GetFullPath(dataDir)} is not writable: {e.Message}", e);
        }
    }
}
