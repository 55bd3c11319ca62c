using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Supacs.Storage.Blobs;

/// <summary>
/// Object bytes in an S3-compatible service (AWS S3, MinIO, another Supacs's /storage/v1/s3…), under
/// <c>TENANT/BUCKET/NAME/VERSION</c> in one backing bucket as Supabase Storage lays them out. Uploads are streamed
/// in parts of <see cref="PartSize"/> (one PutObject when the body fits in one part, else a multipart upload that is
/// completed only after the last byte and aborted on any failure), so an object appears only when complete and a
/// failed upload leaves nothing. Parts are spooled through a temp file, never held in memory whole. Copies run
/// server-side (CopyObject / UploadPartCopy); reads pass ranges to GetObject and stream the answer.
/// </summary>
internal sealed class S3BlobStore : IBlobStore, IDisposable
{
    /// <summary>The S3 minimum part size; also the most one upload buffers (on disk) at a time.</summary>
    public const long PartSize = 5L * 1024 * 1024;

    private readonly AmazonS3Client _s3;
    private readonly string _bucket;
    private readonly string _prefix;
    private readonly string _tmp;

    public S3BlobStore(S3BackendOptions o, string dataDir)
    {
        _bucket = o.Bucket;
        _prefix = o.Prefix.Trim('/');
        _tmp = Path.Combine(dataDir, "storage", "tmp");
        Directory.CreateDirectory(_tmp);
        var config = new AmazonS3Config
        {
            ForcePathStyle = o.ForcePathStyle,
            AuthenticationRegion = o.Region,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (o.Endpoint is { Length: > 0 } endpoint) config.ServiceURL = endpoint;
        else config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(o.Region);
        _s3 = o.AccessKeyId is { Length: > 0 } id
            ? new AmazonS3Client(new BasicAWSCredentials(id, o.SecretAccessKey ?? ""), config)
            : new AmazonS3Client(config);
    }

    private string KeyOf(BlobKey k) => $"{_prefix}/{k.Bucket}/{k.Key}/{k.Version}";

    public Task<BlobWritten> PutAsync(BlobKey key, Stream body, long maxBytes, string contentType, string cacheControl, CancellationToken ct) =>
        PutKeyAsync(KeyOf(key), body, maxBytes, contentType, cacheControl, ct);

    /// <summary>Supacs's own objects (in-progress resumable uploads) beside the tenant's: <c>PREFIX-tus/NAME</c>.</summary>
    private string InternalKey(string name) => $"{_prefix}-tus/{name}";

    public async Task<long> PutInternalAsync(string name, Stream body, long maxBytes, CancellationToken ct) =>
        (await PutKeyAsync(InternalKey(name), body, maxBytes, "application/octet-stream", "no-cache", ct)).Size;

    /// <summary>The internal object as a stream, or null when it does not exist.</summary>
    public async Task<Stream?> OpenInternalAsync(string name, CancellationToken ct)
    {
        try
        {
            return (await _s3.GetObjectAsync(_bucket, InternalKey(name), ct).ConfigureAwait(false)).ResponseStream;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public Task DeleteInternalAsync(IEnumerable<string> names) => DeleteKeysAsync(names.Select(InternalKey).ToList());

    /// <summary>Deletes every internal folder (first path segment) whose newest object is older than <paramref name="cutoff"/>.</summary>
    public async Task SweepInternalAsync(DateTime cutoff)
    {
        var request = new ListObjectsV2Request { BucketName = _bucket, Prefix = InternalKey("") };
        var folders = new Dictionary<string, (DateTime Newest, List<string> Keys)>(StringComparer.Ordinal);
        while (true)
        {
            var page = await _s3.ListObjectsV2Async(request, CancellationToken.None).ConfigureAwait(false);
            foreach (var o in page.S3Objects ?? [])
            {
                var folder = o.Key[request.Prefix.Length..].Split('/')[0];
                var modified = o.LastModified?.ToUniversalTime() ?? DateTime.UtcNow;
                if (!folders.TryGetValue(folder, out var f)) folders[folder] = f = (modified, []);
                f.Keys.Add(o.Key);
                if (modified > f.Newest) folders[folder] = (modified, f.Keys);
            }
            if (page.IsTruncated != true) break;
            request.ContinuationToken = page.NextContinuationToken;
        }
        await DeleteKeysAsync(folders.Values.Where(f => f.Newest < cutoff).SelectMany(f => f.Keys).ToList()).ConfigureAwait(false);
    }

    private async Task<BlobWritten> PutKeyAsync(string objectKey, Stream body, long maxBytes, string contentType, string cacheControl, CancellationToken ct)
    {
        long total = 0;
        var chunk = await SpoolAsync(body, maxBytes, total, ct).ConfigureAwait(false);
        string? uploadId = null;
        try
        {
            total += chunk.Size;
            if (chunk.Size < PartSize)
            {
                var put = new PutObjectRequest
                {
                    BucketName = _bucket, Key = objectKey, InputStream = chunk.File, AutoCloseStream = false, ContentType = contentType,
                };
                put.Headers.CacheControl = cacheControl;
                var res = await _s3.PutObjectAsync(put, ct).ConfigureAwait(false);
                return new BlobWritten(total, res.ETag);
            }
            var init = new InitiateMultipartUploadRequest { BucketName = _bucket, Key = objectKey, ContentType = contentType };
            init.Headers.CacheControl = cacheControl;
            uploadId = (await _s3.InitiateMultipartUploadAsync(init, ct).ConfigureAwait(false)).UploadId;
            var parts = new List<PartETag>();
            while (true)
            {
                var part = await _s3.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = _bucket, Key = objectKey, UploadId = uploadId, PartNumber = parts.Count + 1, InputStream = chunk.File,
                }, ct).ConfigureAwait(false);
                parts.Add(new PartETag(parts.Count + 1, part.ETag));
                await chunk.File.DisposeAsync().ConfigureAwait(false);
                chunk = await SpoolAsync(body, maxBytes, total, ct).ConfigureAwait(false);
                if (chunk.Size == 0) break;
                total += chunk.Size;
            }
            var done = await _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = _bucket, Key = objectKey, UploadId = uploadId, PartETags = parts,
            }, ct).ConfigureAwait(false);
            uploadId = null;
            return new BlobWritten(total, done.ETag);
        }
        finally
        {
            await chunk.File.DisposeAsync().ConfigureAwait(false);
            if (uploadId is not null) await AbortQuietlyAsync(objectKey, uploadId).ConfigureAwait(false);
        }
    }

    /// <summary>Up to one part of <paramref name="body"/> in a self-deleting temp file, rewound; throws past the size limit.</summary>
    private async Task<(FileStream File, long Size)> SpoolAsync(Stream body, long maxBytes, long before, CancellationToken ct)
    {
        var file = new FileStream(Path.Combine(_tmp, Guid.NewGuid().ToString("N")), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1,
            FileOptions.Asynchronous | FileOptions.DeleteOnClose);
        try
        {
            var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(128 * 1024);
            long size = 0;
            try
            {
                while (size < PartSize)
                {
                    var read = await body.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, PartSize - size)), ct).ConfigureAwait(false);
                    if (read == 0) break;
                    size += read;
                    if (before + size > maxBytes) throw new BlobTooLargeException();
                    await file.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
                }
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }
            await file.FlushAsync(ct).ConfigureAwait(false);
            file.Position = 0;
            return (file, size);
        }
        catch
        {
            await file.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task<BlobWritten> ImportFileAsync(BlobKey key, string localPath, string contentType, string cacheControl, CancellationToken ct)
    {
        try
        {
            await using var f = new FileStream(localPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
            return await PutAsync(key, f, long.MaxValue, contentType, cacheControl, ct).ConfigureAwait(false);
        }
        finally
        {
            FileBlobStore.TryDelete(localPath);
        }
    }

    public async Task<BlobContent> OpenAsync(BlobKey key, long offset, long count, CancellationToken ct)
    {
        var get = new GetObjectRequest { BucketName = _bucket, Key = KeyOf(key) };
        if (count > 0) get.ByteRange = new ByteRange(offset, offset + count - 1);
        try
        {
            var res = await _s3.GetObjectAsync(get, ct).ConfigureAwait(false);
            return new BlobContent(res.ResponseStream, null, offset, count);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            throw new BlobNotFoundException();
        }
    }

    public async Task CopyAsync(BlobKey from, BlobKey to, CancellationToken ct)
    {
        try
        {
            await _s3.CopyObjectAsync(new CopyObjectRequest
            {
                SourceBucket = _bucket, SourceKey = KeyOf(from), DestinationBucket = _bucket, DestinationKey = KeyOf(to),
            }, ct).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            throw new BlobNotFoundException();
        }
    }

    public async Task MoveAsync(BlobKey from, BlobKey to, CancellationToken ct)
    {
        await CopyAsync(from, to, ct).ConfigureAwait(false);
        await DeleteAsync([from], ct).ConfigureAwait(false);
    }

    public Task DeleteAsync(IReadOnlyCollection<BlobKey> keys, CancellationToken ct) =>
        DeleteKeysAsync(keys.Where(k => k.Version.Length > 0).Select(KeyOf).ToList());

    private async Task DeleteKeysAsync(List<string> keys)
    {
        // Deletes run after the database committed: finish them even when the client has gone.
        foreach (var batch in keys.Chunk(1000))
        {
            if (batch.Length == 1)
                await _s3.DeleteObjectAsync(_bucket, batch[0], CancellationToken.None).ConfigureAwait(false);
            else
                await _s3.DeleteObjectsAsync(new DeleteObjectsRequest
                {
                    BucketName = _bucket, Quiet = true, Objects = batch.Select(k => new KeyVersion { Key = k }).ToList(),
                }, CancellationToken.None).ConfigureAwait(false);
        }
    }

    public async Task DeleteBucketAsync(string bucket, CancellationToken ct)
    {
        var request = new ListObjectsV2Request { BucketName = _bucket, Prefix = $"{_prefix}/{bucket}/" };
        while (true)
        {
            var page = await _s3.ListObjectsV2Async(request, CancellationToken.None).ConfigureAwait(false);
            await DeleteKeysAsync((page.S3Objects ?? []).Select(o => o.Key).ToList()).ConfigureAwait(false);
            if (page.IsTruncated != true) break;
            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    public async Task<string> CreateMultipartAsync(BlobKey key, string contentType, string cacheControl, CancellationToken ct)
    {
        var init = new InitiateMultipartUploadRequest { BucketName = _bucket, Key = KeyOf(key), ContentType = contentType };
        init.Headers.CacheControl = cacheControl;
        return (await _s3.InitiateMultipartUploadAsync(init, ct).ConfigureAwait(false)).UploadId;
    }

    public async Task<BlobWritten> UploadPartAsync(BlobKey key, string uploadId, int part, Stream body, long maxBytes, CancellationToken ct)
    {
        var path = Path.Combine(_tmp, Guid.NewGuid().ToString("N"));
        try
        {
            var spooled = await FileBlobStore.WriteFileAsync(path, body, maxBytes, ct).ConfigureAwait(false);
            var res = await _s3.UploadPartAsync(new UploadPartRequest
            {
                BucketName = _bucket, Key = KeyOf(key), UploadId = uploadId, PartNumber = part, FilePath = path,
            }, ct).ConfigureAwait(false);
            return new BlobWritten(spooled.Size, res.ETag);
        }
        finally
        {
            FileBlobStore.TryDelete(path);
        }
    }

    public async Task<BlobWritten> UploadPartCopyAsync(BlobKey key, string uploadId, int part, BlobKey source, long offset, long count, CancellationToken ct)
    {
        try
        {
            var res = await _s3.CopyPartAsync(new CopyPartRequest
            {
                SourceBucket = _bucket, SourceKey = KeyOf(source), DestinationBucket = _bucket, DestinationKey = KeyOf(key),
                UploadId = uploadId, PartNumber = part, FirstByte = offset, LastByte = offset + count - 1,
            }, ct).ConfigureAwait(false);
            return new BlobWritten(count, res.ETag);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode != "NoSuchUpload")
        {
            throw new BlobNotFoundException();
        }
    }

    public async Task<BlobWritten> CompleteMultipartAsync(BlobKey key, string uploadId, IReadOnlyList<BlobPart> parts, CancellationToken ct)
    {
        var done = await _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = _bucket, Key = KeyOf(key), UploadId = uploadId, PartETags = parts.Select(p => new PartETag(p.Number, p.ETag)).ToList(),
        }, ct).ConfigureAwait(false);
        var head = await _s3.GetObjectMetadataAsync(_bucket, KeyOf(key), CancellationToken.None).ConfigureAwait(false);
        return new BlobWritten(head.ContentLength, done.ETag);
    }

    public Task AbortMultipartAsync(BlobKey key, string uploadId, CancellationToken ct) => AbortQuietlyAsync(KeyOf(key), uploadId);

    private async Task AbortQuietlyAsync(string objectKey, string uploadId)
    {
        try
        {
            await _s3.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _bucket, Key = objectKey, UploadId = uploadId },
                CancellationToken.None).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
        }
    }

    public void Dispose() => _s3.Dispose();
}

/// <summary>
/// The S3 backend's settings: <c>[storage.s3]</c> in config.toml (bucket, endpoint, region, force_path_style,
/// access_key_id, secret_access_key, prefix) or Supabase Storage's env names (GLOBAL_S3_BUCKET, GLOBAL_S3_ENDPOINT,
/// GLOBAL_S3_PROTOCOL, GLOBAL_S3_FORCE_PATH_STYLE, REGION / AWS_DEFAULT_REGION, AWS_ACCESS_KEY_ID,
/// AWS_SECRET_ACCESS_KEY, TENANT_ID), env winning as for the other storage settings.
/// </summary>
public sealed record S3BackendOptions(string Bucket, string? Endpoint, string Region, bool ForcePathStyle, string? AccessKeyId,
    string? SecretAccessKey, string Prefix);
