using System.Globalization;
using System.Security.Cryptography;

namespace Supacs.Storage.Blobs;

/// <summary>
/// Object bytes on the local file system, under <c>DATA_DIR/storage/stub/stub/BUCKET/NAME/VERSION</c>
/// (Supabase's file-backend layout with its single-tenant names). A blob is streamed into a temp file,
/// fsynced and renamed into place, so a reader never sees a partial object and a failed upload
/// leaves nothing behind. ETags are the MD5 computed while writing, kept in the object row.
/// Multipart parts live under <c>DATA_DIR/storage/multiparts/UPLOAD/PART</c> until completed.
/// </summary>
internal sealed class FileBlobStore : IBlobStore
{
    private const int BufferSize = 128 * 1024;
    private readonly string _root;
    private readonly string _tmp;
    private readonly string _multiparts;

    public FileBlobStore(string dataDir)
    {
        _root = Path.Combine(dataDir, "storage", "stub", "stub");
        _tmp = Path.Combine(dataDir, "storage", "tmp");
        _multiparts = Path.Combine(dataDir, "storage", "multiparts");
        Directory.CreateDirectory(_root);
        Directory.CreateDirectory(_tmp);
    }

    /// <summary>Absolute path of one object version; callers have validated bucket and key (no '.'/'..' parts).</summary>
    public string PathOf(BlobKey k)
    {
        var path = Path.GetFullPath(Path.Combine(_root, k.Bucket, Path.Combine(k.Key.Split('/')), k.Version));
        if (!path.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal) || k.Version.Length == 0)
            throw new InvalidOperationException("Object path escapes the storage root.");
        return path;
    }

    public async Task<BlobWritten> PutAsync(BlobKey key, Stream body, long maxBytes, string contentType, string cacheControl, CancellationToken ct)
    {
        var tmp = NewTemp();
        try
        {
            var written = await WriteFileAsync(tmp, body, maxBytes, ct).ConfigureAwait(false);
            Place(tmp, PathOf(key));
            return written;
        }
        finally
        {
            TryDelete(tmp);
        }
    }

    public async Task<BlobWritten> ImportFileAsync(BlobKey key, string localPath, string contentType, string cacheControl, CancellationToken ct)
    {
        string etag;
        long size;
        await using (var f = new FileStream(localPath, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan))
        {
            size = f.Length;
#pragma warning disable CA5351 // ETags are MD5 like S3's and upstream's, an identifier, not a security measure.
            etag = Quote(await MD5.HashDataAsync(f, ct).ConfigureAwait(false));
#pragma warning restore CA5351
        }
        Place(localPath, PathOf(key));
        return new BlobWritten(size, etag);
    }

    public Task<BlobContent> OpenAsync(BlobKey key, long offset, long count, CancellationToken ct)
    {
        var path = PathOf(key);
        if (!File.Exists(path)) throw new BlobNotFoundException();
        return Task.FromResult(new BlobContent(null, path, offset, count));
    }

    public async Task CopyAsync(BlobKey from, BlobKey to, CancellationToken ct)
    {
        var src = PathOf(from);
        if (!File.Exists(src)) throw new BlobNotFoundException();
        var tmp = NewTemp();
        try
        {
            await using (var s = new FileStream(src, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous))
            await using (var d = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
            {
                await s.CopyToAsync(d, BufferSize, ct).ConfigureAwait(false);
                d.Flush(flushToDisk: true);
            }
            Place(tmp, PathOf(to));
        }
        finally
        {
            TryDelete(tmp);
        }
    }

    public Task MoveAsync(BlobKey from, BlobKey to, CancellationToken ct)
    {
        var src = PathOf(from);
        if (!File.Exists(src)) throw new BlobNotFoundException();
        Place(src, PathOf(to));
        PruneFrom(from.Bucket, Path.GetDirectoryName(src));
        return Task.CompletedTask;
    }

    public Task DeleteAsync(IReadOnlyCollection<BlobKey> keys, CancellationToken ct)
    {
        foreach (var k in keys)
        {
            string path;
            try
            {
                path = PathOf(k);
            }
            catch (InvalidOperationException)
            {
                continue;
            }
            TryDelete(path);
            PruneFrom(k.Bucket, Path.GetDirectoryName(path));
        }
        return Task.CompletedTask;
    }

    public Task DeleteBucketAsync(string bucket, CancellationToken ct)
    {
        var dir = Path.Combine(_root, bucket);
        try
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
        return Task.CompletedTask;
    }

    public Task<string> CreateMultipartAsync(BlobKey key, string contentType, string cacheControl, CancellationToken ct)
    {
        var id = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');
        Directory.CreateDirectory(PartDir(id));
        return Task.FromResult(id);
    }

    public async Task<BlobWritten> UploadPartAsync(BlobKey key, string uploadId, int part, Stream body, long maxBytes, CancellationToken ct)
    {
        var tmp = NewTemp();
        try
        {
            var written = await WriteFileAsync(tmp, body, maxBytes, ct).ConfigureAwait(false);
            Place(tmp, PartPath(uploadId, part));
            return written;
        }
        finally
        {
            TryDelete(tmp);
        }
    }

    public async Task<BlobWritten> UploadPartCopyAsync(BlobKey key, string uploadId, int part, BlobKey source, long offset, long count, CancellationToken ct)
    {
        var src = PathOf(source);
        if (!File.Exists(src)) throw new BlobNotFoundException();
        await using var s = new FileStream(src, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous);
        s.Seek(offset, SeekOrigin.Begin);
        return await UploadPartAsync(key, uploadId, part, new LimitedStream(s, count), long.MaxValue, ct).ConfigureAwait(false);
    }

    public async Task<BlobWritten> CompleteMultipartAsync(BlobKey key, string uploadId, IReadOnlyList<BlobPart> parts, CancellationToken ct)
    {
        var md5s = new List<byte>();
        var tmp = NewTemp();
        long size = 0;
        try
        {
            await using (var dst = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
            {
                foreach (var p in parts)
                {
                    md5s.AddRange(Convert.FromHexString(p.ETag.Trim('"')));
                    await using var src = new FileStream(PartPath(uploadId, p.Number), FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous);
                    size += src.Length;
                    await src.CopyToAsync(dst, BufferSize, ct).ConfigureAwait(false);
                }
                dst.Flush(flushToDisk: true);
            }
            Place(tmp, PathOf(key));
        }
        finally
        {
            TryDelete(tmp);
        }
        await AbortMultipartAsync(key, uploadId, ct).ConfigureAwait(false);
#pragma warning disable CA5351 // S3's multipart ETag format (MD5 of the part MD5s), an identifier, not security.
        var etag = "\"" + Convert.ToHexStringLower(MD5.HashData(md5s.ToArray())) + "-" + parts.Count.ToString(CultureInfo.InvariantCulture) + "\"";
#pragma warning restore CA5351
        return new BlobWritten(size, etag);
    }

    public Task AbortMultipartAsync(BlobKey key, string uploadId, CancellationToken ct)
    {
        try
        {
            var dir = PartDir(uploadId);
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
        return Task.CompletedTask;
    }

    private string PartDir(string uploadId)
    {
        if (uploadId.Length == 0 || uploadId.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
            throw new InvalidOperationException("Invalid upload id.");
        return Path.Combine(_multiparts, uploadId);
    }

    private string PartPath(string uploadId, int part) => Path.Combine(PartDir(uploadId), part.ToString(CultureInfo.InvariantCulture));

    private string NewTemp() => Path.Combine(_tmp, Guid.NewGuid().ToString("N"));

    /// <summary>Copies <paramref name="body"/> into a new file (fsynced), counting size and MD5; past <paramref name="maxBytes"/> throws.</summary>
    internal static async Task<BlobWritten> WriteFileAsync(string path, Stream body, long maxBytes, CancellationToken ct)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        long total = 0;
        await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
        {
            var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(BufferSize);
            try
            {
                int read;
                while ((read = await body.ReadAsync(buffer.AsMemory(), ct).ConfigureAwait(false)) > 0)
                {
                    total += read;
                    if (total > maxBytes) throw new BlobTooLargeException();
                    md5.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
                }
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }
            await file.FlushAsync(ct).ConfigureAwait(false);
            file.Flush(flushToDisk: true);
        }
        return new BlobWritten(total, Quote(md5.GetHashAndReset()));
    }

    private static string Quote(byte[] hash) => "\"" + Convert.ToHexStringLower(hash) + "\"";

    private static void Place(string tmpPath, string finalPath)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(finalPath)!);
        File.Move(tmpPath, finalPath, overwrite: true);
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

/// <summary>At most <paramref name="limit"/> bytes of an inner stream (ranges of a blob).</summary>
internal sealed class LimitedStream(Stream inner, long limit) : Http.ReadOnlyStream
{
    private long _left = limit;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        if (_left <= 0) return 0;
        var n = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _left)], ct).ConfigureAwait(false);
        _left -= n;
        return n;
    }
}
