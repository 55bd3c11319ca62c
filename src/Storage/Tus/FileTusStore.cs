using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Supacs.Storage.Blobs;

namespace Supacs.Storage.Tus;

/// <summary>
/// In-progress TUS uploads under <c>DATA_DIR/storage/tus</c> (file backend): a <c>.part</c> file (its length is the
/// offset) and a <c>.json</c> info file. Several nodes can share an upload when they share the data dir.
/// </summary>
internal sealed class FileTusStore : ITusStore
{
    private readonly string _dir;

    public FileTusStore(string dataDir)
    {
        _dir = Path.Combine(dataDir, "storage", "tus");
        Directory.CreateDirectory(_dir);
    }

    private string Base(string id) => Path.Combine(_dir, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id))));
    internal string PartPath(string id) => Base(id) + ".part";
    private string InfoPath(string id) => Base(id) + ".json";

    public async Task CreateAsync(TusUpload u, CancellationToken ct)
    {
        SweepExpired();
        await using (File.Create(PartPath(u.Id))) { }
        await SaveAsync(u, ct);
    }

    /// <summary>Writes the info file atomically (temp file + rename).</summary>
    public async Task SaveAsync(TusUpload u, CancellationToken ct)
    {
        var tmp = InfoPath(u.Id) + "." + Guid.NewGuid().ToString("N");
        await File.WriteAllBytesAsync(tmp, u.ToJson(), ct);
        File.Move(tmp, InfoPath(u.Id), overwrite: true);
    }

    public async Task<TusUpload?> LoadAsync(string id, CancellationToken ct)
    {
        var path = InfoPath(id);
        if (!File.Exists(path)) return null;
        using var doc = JsonDocument.Parse(await File.ReadAllBytesAsync(path, ct));
        return TusUpload.Parse(doc.RootElement);
    }

    public Task<long> OffsetAsync(string id, CancellationToken ct)
    {
        var f = new FileInfo(PartPath(id));
        return Task.FromResult(f.Exists ? f.Length : -1);
    }

    public async Task<long> AppendAsync(string id, Stream body, long maxBytes, CancellationToken ct)
    {
        long added = 0;
        await using var file = new FileStream(PartPath(id), FileMode.Append, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(128 * 1024);
        try
        {
            int read;
            while ((read = await body.ReadAsync(buffer, ct)) > 0)
            {
                if (added + read > maxBytes) throw new BlobTooLargeException();
                await file.WriteAsync(buffer.AsMemory(0, read), ct);
                added += read;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            await file.FlushAsync(CancellationToken.None);
            file.Flush(flushToDisk: true);
        }
        return added;
    }

    public Task<BlobWritten> CompleteAsync(TusUpload upload, IBlobStore blobs, BlobKey key, CancellationToken ct) =>
        blobs.ImportFileAsync(key, PartPath(upload.Id), upload.ContentType, upload.CacheControl, ct);

    public Task RemoveAsync(string id)
    {
        FileBlobStore.TryDelete(PartPath(id));
        FileBlobStore.TryDelete(InfoPath(id));
        return Task.CompletedTask;
    }

    /// <summary>Drops uploads past their expiry (their info file is older than <see cref="TusLock.Expiry"/>).</summary>
    private void SweepExpired()
    {
        var cutoff = DateTime.UtcNow - TusLock.Expiry;
        foreach (var info in Directory.EnumerateFiles(_dir, "*.json"))
        {
            if (File.GetLastWriteTimeUtc(info) >= cutoff) continue;
            FileBlobStore.TryDelete(info);
            FileBlobStore.TryDelete(Path.ChangeExtension(info, ".part"));
        }
    }
}
