using Supacs.Core;

namespace Supacs.Gateway.Cli;

/// <summary>
/// One running <c>supacs start</c> per data dir: an exclusive lock on DATA_DIR/supacs.lock, released by
/// the kernel even after kill -9, so a crashed instance never blocks the next start.
/// </summary>
internal sealed class InstanceLock : IDisposable
{
    private readonly FileStream _stream;

    private InstanceLock(FileStream stream) => _stream = stream;

    public static string PathFor(string dataDir) => Path.Combine(Path.GetFullPath(dataDir), "supacs.lock");

    public static InstanceLock Acquire(string dataDir)
    {
        Directory.CreateDirectory(dataDir);
        try
        {
            var stream = new FileStream(PathFor(dataDir), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            stream.SetLength(0);
            using (var writer = new StreamWriter(stream, leaveOpen: true)) writer.Write(Environment.ProcessId);
            stream.Flush();
            return new InstanceLock(stream);
        }
        catch (IOException e)
        {
            throw new SupacsStartupException($"Another supacs is already running with data dir {Path.GetFullPath(dataDir)}.", e);
        }
    }

    /// <summary>True when a running supacs holds the lock of this data dir.</summary>
    public static bool IsHeld(string dataDir)
    {
        if (!File.Exists(PathFor(dataDir))) return false;
        try
        {
            using var stream = new FileStream(PathFor(dataDir), FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public void Dispose() => _stream.Dispose();
}
