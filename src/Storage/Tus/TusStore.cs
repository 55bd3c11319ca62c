using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Supacs.Storage.Tus;

/// <summary>What a resumable upload will become, kept next to its bytes until it completes.</summary>
internal sealed record TusUpload(string Id, string Bucket, string Name, string Version, long Length, string ContentType, string CacheControl,
    string? UserMetadata, string? Owner, bool Upsert, bool Signed, DateTime ExpiresAt);

/// <summary>
/// In-progress TUS uploads of one project under <c>DATA_DIR/storage/tus</c>: a <c>.part</c> file (its length is the
/// offset) and a <c>.json</c> sidecar. PATCHes of one upload are serialised by an in-process lock.
/// </summary>
internal sealed class TusStore
{
    private readonly string _dir;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);

    public TusStore(string dataDir)
    {
        _dir = Path.Combine(dataDir, "storage", "tus");
        Directory.CreateDirectory(_dir);
    }

    public static TimeSpan Expiry { get; } = TimeSpan.FromHours(1);

    private string Base(string id) => Path.Combine(_dir, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id))));
    public string PartPath(string id) => Base(id) + ".part";
    private string InfoPath(string id) => Base(id) + ".json";

    public async Task CreateAsync(TusUpload u, CancellationToken ct)
    {
        SweepExpired();
        await using (File.Create(PartPath(u.Id))) { }
        using var buffer = new MemoryStream();
        await using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("id", u.Id);
            w.WriteString("bucket", u.Bucket);
            w.WriteString("name", u.Name);
            w.WriteString("version", u.Version);
            w.WriteNumber("length", u.Length);
            w.WriteString("contentType", u.ContentType);
            w.WriteString("cacheControl", u.CacheControl);
            w.WriteString("userMetadata", u.UserMetadata);
            w.WriteString("owner", u.Owner);
            w.WriteBoolean("upsert", u.Upsert);
            w.WriteBoolean("signed", u.Signed);
            w.WriteString("expiresAt", u.ExpiresAt);
            w.WriteEndObject();
        }
        await File.WriteAllBytesAsync(InfoPath(u.Id), buffer.ToArray(), ct);
    }

    public async Task<TusUpload?> LoadAsync(string id, CancellationToken ct)
    {
        var path = InfoPath(id);
        if (!File.Exists(path)) return null;
        using var doc = JsonDocument.Parse(await File.ReadAllBytesAsync(path, ct));
        var r = doc.RootElement;
        string? S(string n) => r.GetProperty(n).ValueKind == JsonValueKind.Null ? null : r.GetProperty(n).GetString();
        return new TusUpload(S("id")!, S("bucket")!, S("name")!, S("version")!, r.GetProperty("length").GetInt64(), S("contentType")!,
            S("cacheControl")!, S("userMetadata"), S("owner"), r.GetProperty("upsert").GetBoolean(), r.GetProperty("signed").GetBoolean(),
            r.GetProperty("expiresAt").GetDateTime());
    }

    public long Offset(string id)
    {
        var f = new FileInfo(PartPath(id));
        return f.Exists ? f.Length : -1;
    }

    public void Remove(string id)
    {
        Blobs.FileBlobStore.TryDelete(PartPath(id));
        Blobs.FileBlobStore.TryDelete(InfoPath(id));
        _locks.TryRemove(id, out _);
    }

    public SemaphoreSlim LockOf(string id) => _locks.GetOrAdd(id, _ => new SemaphoreSlim(1, 1));

    /// <summary>Drops uploads past their expiry (their sidecar is older than <see cref="Expiry"/>).</summary>
    private void SweepExpired()
    {
        var cutoff = DateTime.UtcNow - Expiry;
        foreach (var info in Directory.EnumerateFiles(_dir, "*.json"))
        {
            if (File.GetLastWriteTimeUtc(info) >= cutoff) continue;
            Blobs.FileBlobStore.TryDelete(info);
            Blobs.FileBlobStore.TryDelete(Path.ChangeExtension(info, ".part"));
        }
    }
}
