using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Supacs.Storage.Blobs;

namespace Supacs.Storage.Tus;

/// <summary>
/// In-progress TUS uploads kept in the S3 backend itself, beside the tenant's objects (<c>PREFIX-tus/UPLOAD/…</c>): an
/// <c>info</c> document (the upload and the sizes of its chunks) and one <c>chunk-N</c> object per PATCH. Any node that
/// shares the database (for the advisory lock) and the bucket can continue an upload; no data dir is shared.
/// On completion the chunks are streamed in order into the object (parts of 5 MiB, as every S3-backend write).
/// </summary>
internal sealed class S3TusStore(S3BlobStore s3) : ITusStore
{
    private static string Dir(string id) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)));
    private static string InfoKey(string id) => Dir(id) + "/info";
    private static string ChunkKey(string id, int n) => Dir(id) + "/chunk-" + n.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

    private long _lastSweepTicks;

    public async Task CreateAsync(TusUpload upload, CancellationToken ct)
    {
        // Abandoned uploads (nothing written for longer than the expiry) are swept at most every ten minutes.
        var last = Interlocked.Read(ref _lastSweepTicks);
        if (DateTime.UtcNow.Ticks - last > TimeSpan.FromMinutes(10).Ticks && Interlocked.CompareExchange(ref _lastSweepTicks, DateTime.UtcNow.Ticks, last) == last)
            await SweepAsync(DateTime.UtcNow - TusLock.Expiry);
        await WriteInfoAsync(upload, [], ct);
    }

    /// <summary>Deletes the uploads whose last write is older than <paramref name="cutoff"/>.</summary>
    internal Task SweepAsync(DateTime cutoff) => s3.SweepInternalAsync(cutoff);

    public async Task SaveAsync(TusUpload upload, CancellationToken ct)
    {
        var (_, chunks) = await ReadInfoAsync(upload.Id, ct) ?? throw new InvalidOperationException("Upload vanished.");
        await WriteInfoAsync(upload, chunks, ct);
    }

    public async Task<TusUpload?> LoadAsync(string id, CancellationToken ct) => (await ReadInfoAsync(id, ct))?.Upload;

    public async Task<long> OffsetAsync(string id, CancellationToken ct) => await ReadInfoAsync(id, ct) is { } info ? info.Chunks.Sum() : -1;

    public async Task<long> AppendAsync(string id, Stream body, long maxBytes, CancellationToken ct)
    {
        var (upload, chunks) = await ReadInfoAsync(id, ct) ?? throw new InvalidOperationException("Upload vanished.");
        var key = ChunkKey(id, chunks.Count);
        var size = await s3.PutInternalAsync(key, body, maxBytes, ct);
        if (size == 0)
        {
            await s3.DeleteInternalAsync([key]);
            return 0;
        }
        await WriteInfoAsync(upload, [.. chunks, size], ct);
        return size;
    }

    public async Task<BlobWritten> CompleteAsync(TusUpload upload, IBlobStore blobs, BlobKey key, CancellationToken ct)
    {
        var (_, chunks) = await ReadInfoAsync(upload.Id, ct) ?? throw new InvalidOperationException("Upload vanished.");
        await using var joined = new ChunkStream(s3, Enumerable.Range(0, chunks.Count).Select(n => ChunkKey(upload.Id, n)).ToList());
        return await blobs.PutAsync(key, joined, long.MaxValue, upload.ContentType, upload.CacheControl, ct);
    }

    public async Task RemoveAsync(string id)
    {
        var info = await ReadInfoAsync(id, CancellationToken.None);
        var keys = new List<string> { InfoKey(id) };
        if (info is { } i) keys.AddRange(Enumerable.Range(0, i.Chunks.Count).Select(n => ChunkKey(id, n)));
        await s3.DeleteInternalAsync(keys);
    }

    private async Task<(TusUpload Upload, List<long> Chunks)?> ReadInfoAsync(string id, CancellationToken ct)
    {
        await using var stream = await s3.OpenInternalAsync(InfoKey(id), ct);
        if (stream is null) return null;
        using var doc = await JsonDocument.ParseAsync(stream, cancellationToken: ct);
        var chunks = doc.RootElement.TryGetProperty("chunks", out var c) ? c.EnumerateArray().Select(e => e.GetInt64()).ToList() : [];
        return (TusUpload.Parse(doc.RootElement), chunks);
    }

    private async Task WriteInfoAsync(TusUpload upload, IReadOnlyList<long> chunks, CancellationToken ct)
    {
        using var body = new MemoryStream(upload.ToJson(chunks));
        await s3.PutInternalAsync(InfoKey(upload.Id), body, long.MaxValue, ct);
    }

    /// <summary>The chunks of an upload read one after another as one stream.</summary>
    private sealed class ChunkStream(S3BlobStore s3, IReadOnlyList<string> keys) : Http.ReadOnlyStream
    {
        private int _next;
        private Stream? _current;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (true)
            {
                if (_current is null)
                {
                    if (_next >= keys.Count) return 0;
                    _current = await s3.OpenInternalAsync(keys[_next++], cancellationToken) ?? throw new InvalidOperationException("A chunk of the upload is missing.");
                }
                var n = await _current.ReadAsync(buffer, cancellationToken);
                if (n > 0) return n;
                await _current.DisposeAsync();
                _current = null;
            }
        }

        public override async ValueTask DisposeAsync()
        {
            if (_current is not null) await _current.DisposeAsync();
            await base.DisposeAsync();
        }
    }
}
