using Microsoft.AspNetCore.Http;

namespace Supacs.Storage.Blobs;

/// <summary>Where one object version's bytes live: bucket, key and the version id recorded in its row.</summary>
internal readonly record struct BlobKey(string Bucket, string Key, string Version);

/// <summary>What a completed write produced: its size and the backend's ETag (quoted, as S3 gives it).</summary>
internal sealed record BlobWritten(long Size, string ETag);

/// <summary>A part of a multipart upload to complete with (part number and the ETag the part upload returned).</summary>
internal readonly record struct BlobPart(int Number, string ETag);

/// <summary>
/// The object byte store behind Storage (storage.md §6): the local file system (<see cref="FileBlobStore"/>, default)
/// or an S3-compatible service (<see cref="S3BlobStore"/>). Every write becomes visible at its key only once complete:
/// a failed, oversized or aborted write leaves nothing behind. Reads are streamed, never buffered whole.
/// </summary>
internal interface IBlobStore
{
    /// <summary>Streams <paramref name="body"/> to <paramref name="key"/>; more than <paramref name="maxBytes"/> throws <see cref="BlobTooLargeException"/> and stores nothing.</summary>
    Task<BlobWritten> PutAsync(BlobKey key, Stream body, long maxBytes, string contentType, string cacheControl, CancellationToken ct);

    /// <summary>Moves a finished local file (a completed resumable upload) to <paramref name="key"/>; the file is consumed.</summary>
    Task<BlobWritten> ImportFileAsync(BlobKey key, string localPath, string contentType, string cacheControl, CancellationToken ct);

    /// <summary>Opens <paramref name="count"/> bytes from <paramref name="offset"/>; <see cref="BlobNotFoundException"/> when the blob is missing.</summary>
    Task<BlobContent> OpenAsync(BlobKey key, long offset, long count, CancellationToken ct);

    /// <summary>Server-side copy to a new key (no bytes through this process on S3).</summary>
    Task CopyAsync(BlobKey from, BlobKey to, CancellationToken ct);

    /// <summary>Moves a blob to a new key (rename on disk; copy + delete on S3).</summary>
    Task MoveAsync(BlobKey from, BlobKey to, CancellationToken ct);

    /// <summary>Best-effort delete of the given versions (missing ones are ignored).</summary>
    Task DeleteAsync(IReadOnlyCollection<BlobKey> keys, CancellationToken ct);

    /// <summary>Deletes everything stored for a bucket (after the bucket row is gone).</summary>
    Task DeleteBucketAsync(string bucket, CancellationToken ct);

    /// <summary>Starts a multipart upload that will become <paramref name="key"/>; returns its upload id.</summary>
    Task<string> CreateMultipartAsync(BlobKey key, string contentType, string cacheControl, CancellationToken ct);

    /// <summary>Stores one part (replacing an earlier part with the same number).</summary>
    Task<BlobWritten> UploadPartAsync(BlobKey key, string uploadId, int part, Stream body, long maxBytes, CancellationToken ct);

    /// <summary>Stores one part copied server-side from <paramref name="count"/> bytes of another blob from <paramref name="offset"/>.</summary>
    Task<BlobWritten> UploadPartCopyAsync(BlobKey key, string uploadId, int part, BlobKey source, long offset, long count, CancellationToken ct);

    /// <summary>Joins the parts into the object at <paramref name="key"/> (visible only now); ETag in S3's "md5-of-md5s-N" form.</summary>
    Task<BlobWritten> CompleteMultipartAsync(BlobKey key, string uploadId, IReadOnlyList<BlobPart> parts, CancellationToken ct);

    /// <summary>Drops a multipart upload and its parts.</summary>
    Task AbortMultipartAsync(BlobKey key, string uploadId, CancellationToken ct);
}

/// <summary>An opened range of a blob: a local file (sent with sendfile) or a stream from the backend.</summary>
internal sealed class BlobContent(Stream? stream, string? filePath, long offset, long count) : IAsyncDisposable
{
    public long Count => count;

    /// <summary>Writes the range to the response body.</summary>
    public async Task SendAsync(HttpResponse response, CancellationToken ct)
    {
        if (filePath is not null) await response.SendFileAsync(filePath, offset, count, ct).ConfigureAwait(false);
        else if (stream is not null) await stream.CopyToAsync(response.Body, 128 * 1024, ct).ConfigureAwait(false);
    }

    /// <summary>The range as a stream (callers that transform the bytes, e.g. images).</summary>
    public Stream OpenStream()
    {
        if (stream is not null) return stream;
        var file = new FileStream(filePath!, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous);
        file.Seek(offset, SeekOrigin.Begin);
        return file;
    }

    public async ValueTask DisposeAsync()
    {
        if (stream is not null) await stream.DisposeAsync().ConfigureAwait(false);
    }
}

internal sealed class BlobTooLargeException() : Exception("The object exceeded the maximum allowed size");

internal sealed class BlobNotFoundException() : Exception("The blob does not exist");
