using System.Security.Cryptography;

namespace Supacs.Storage.Blobs;

/// <summary>
/// Object bytes on the local file system, under <c>DATA_DIR/storage/stub/stub/BUCKET/NAME/VERSION</c>
/// (Supabase's file-backend layout with its single-tenant names). A blob is streamed into a temp file,
/// fsynced and renamed into place, so a reader never sees a partial object and a failed upload
/// leaves nothing behind. ETags are the MD5 computed while writing, kept in the object row.
/// </summary>
internal sealed class FileBlobStore
{
    private readonly string _root;
    private readonly string _tmp;

    public FileBlobStore(string dataDir)
    {
        _root = Path.Combine(dataDir, "storage", "stub", "stub");
        _tmp = Path.Combine(dataDir, "storage", "tmp");
        Directory.CreateDirectory(_root);
        Directory.CreateDirectory(_tmp);
    }

    public string TempDirectory => _tmp;

    /// <summary>Absolute path of one object version; callers have validated bucket and key (no '.'/'..' parts).</summary>
    public string PathOf(string bucket, string key, string version)
    {
        var path = Path.GetFullPath(Path.Combine(_root, bucket, Path.Combine(key.Split('/')), version));
        if (!path.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new InvalidOperationException("Object path escapes the storage root.");
        return path;
    }

    /// <summary>
    /// Copies <paramref name="body"/> into a temp file, stopping with <see cref="BlobTooLargeException"/>
    /// past <paramref name="maxBytes"/>. The caller commits with <see cref="PendingBlob.CommitAsync"/> or disposes to discard.
    /// </summary>
    public async Task<PendingBlob> WriteTempAsync(Stream body, long maxBytes, CancellationToken ct)
    {
        var tmpPath = Path.Combine(_tmp, Guid.NewGuid().ToString("N"));
        var pending = new PendingBlob(this, tmpPath);
        try
        {
            using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            await using (var file = new FileStream(tmpPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
            {
                var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(128 * 1024);
                try
                {
                    long total = 0;
                    int read;
                    while ((read = await body.ReadAsync(buffer.AsMemory(), ct).ConfigureAwait(false)) > 0)
                    {
                        total += read;
                        if (total > maxBytes) throw new BlobTooLargeException();
                        md5.AppendData(buffer, 0, read);
                        await file.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
                    }
                    pending.Size = total;
                }
                finally
                {
                    System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
                }
                await file.FlushAsync(ct).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }
            pending.ETag = "\"" + Convert.ToHexStringLower(md5.GetHashAndReset()) + "\"";
            return pending;
        }
        catch
        {
            pending.Dispose();
            throw;
        }
    }

    /// <summary>Copies an existing version to a new one (object copy): same bytes, same ETag.</summary>
    public async Task CopyAsync(string fromPath, string bucket, string key, string version, CancellationToken ct)
    {
        var tmpPath = Path.Combine(_tmp, Guid.NewGuid().ToString("N"));
        try
        {
            await using (var src = new FileStream(fromPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous))
            await using (var dst = new FileStream(tmpPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
            {
                await src.CopyToAsync(dst, 128 * 1024, ct).ConfigureAwait(false);
                dst.Flush(flushToDisk: true);
            }
            Place(tmpPath, PathOf(bucket, key, version));
        }
        finally
        {
            TryDelete(tmpPath);
        }
    }

    /// <summary>Renames the blob to a new key (object move) within the store.</summary>
    public void Move(string fromPath, string bucket, string key, string version) => Place(fromPath, PathOf(bucket, key, version));

    public void Place(string tmpPath, string finalPath)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(finalPath)!);
        File.Move(tmpPath, finalPath, overwrite: true);
    }

    /// <summary>Deletes one version and the now-empty folders above it, up to the bucket folder.</summary>
    public void Delete(string bucket, string key, string? version)
    {
        if (string.IsNullOrEmpty(version)) return;
        string path;
        try
        {
            path = PathOf(bucket, key, version);
        }
        catch (InvalidOperationException)
        {
            return;
        }
        TryDelete(path);
        PruneFrom(bucket, Path.GetDirectoryName(path));
    }

    /// <summary>Removes the empty folders left by a moved or deleted key, up to the bucket folder.</summary>
    public void Prune(string bucket, string key)
    {
        try
        {
            PruneFrom(bucket, Path.GetDirectoryName(PathOf(bucket, key, "x")));
        }
        catch (InvalidOperationException)
        {
        }
    }

    private void PruneFrom(string bucket, string? dir)
    {
        var stop = Path.Combine(_root, bucket);
        while (dir is not null && dir.Length > stop.Length && dir.StartsWith(stop, StringComparison.Ordinal))
        {
            try
            {
                if (Directory.EnumerateFileSystemEntries(dir).Any()) break;
                Directory.Delete(dir);
            }
            catch (IOException)
            {
                break;
            }
            dir = Path.GetDirectoryName(dir);
        }
    }

    public void DeleteBucketFolder(string bucket)
    {
        var dir = Path.Combine(_root, bucket);
        try
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    internal static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>A fully written temp file waiting to become an object version; disposing discards it unless committed.</summary>
internal sealed class PendingBlob(FileBlobStore store, string tmpPath) : IDisposable
{
    private bool _committed;

    public long Size { get; internal set; }

    /// <summary>Where the bytes are until committed (for callers that place them elsewhere, e.g. multipart parts).</summary>
    public string TempPath => tmpPath;

    public void MarkCommitted() => _committed = true;
    public string ETag { get; internal set; } = "";

    /// <summary>Atomically moves the temp file to its final place.</summary>
    public void Commit(string bucket, string key, string version)
    {
        store.Place(tmpPath, store.PathOf(bucket, key, version));
        _committed = true;
    }

    public void Dispose()
    {
        if (!_committed) FileBlobStore.TryDelete(tmpPath);
    }
}

internal sealed class BlobTooLargeException() : Exception("The object exceeded the maximum allowed size");
