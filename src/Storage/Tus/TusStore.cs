using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Supacs.Storage.Tus;

/// <summary>
/// What a resumable upload will become, kept next to its bytes until it completes. <see cref="Length"/> is -1 while
/// deferred (Upload-Defer-Length); <see cref="MaxSize"/> is the size limit that applied when it was created.
/// </summary>
internal sealed record TusUpload(string Id, string Bucket, string Name, string Version, long Length, string ContentType, string CacheControl,
    string? UserMetadata, string? Owner, bool Upsert, bool Signed, DateTime ExpiresAt, long MaxSize = long.MaxValue)
{
    public bool Deferred => Length < 0;
}

/// <summary>
/// In-progress TUS uploads of one project under <c>DATA_DIR/storage/tus</c>: a <c>.part</c> file (its length is the
/// offset) and a <c>.json</c> sidecar. PATCHes of one upload are serialised by a PostgreSQL advisory lock, so
/// several Supacs nodes sharing the data dir and the database serialise too.
/// </summary>
internal sealed class TusStore
{
    private readonly string _dir;

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
        await SaveAsync(u, ct);
    }

    /// <summary>Writes the sidecar (atomically: temp file + rename).</summary>
    public async Task SaveAsync(TusUpload u, CancellationToken ct)
    {
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
            w.WriteNumber("maxSize", u.MaxSize);
            w.WriteEndObject();
        }
        var tmp = InfoPath(u.Id) + "." + Guid.NewGuid().ToString("N");
        await File.WriteAllBytesAsync(tmp, buffer.ToArray(), ct);
        File.Move(tmp, InfoPath(u.Id), overwrite: true);
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
            r.GetProperty("expiresAt").GetDateTime(), r.TryGetProperty("maxSize", out var max) ? max.GetInt64() : long.MaxValue);
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
    }

    /// <summary>The lock every node takes: transaction-scoped advisory lock on the upload id, bounded by lock_timeout.</summary>
    internal const string LockSql = "SELECT set_config('lock_timeout', $2, true), pg_advisory_xact_lock(hashtextextended('supacs.tus:' || $1, 0))";

    /// <summary>
    /// Holds the upload's advisory lock (a transaction-scoped lock on its own connection) until disposed; waits up to
    /// <paramref name="timeout"/> for another PATCH/DELETE of the same upload, on this node or another, then 423 Locked.
    /// </summary>
    public static async Task<IAsyncDisposable> LockAsync(Npgsql.NpgsqlDataSource db, string id, TimeSpan timeout, CancellationToken ct)
    {
        var conn = await db.OpenConnectionAsync(ct);
        try
        {
            var tx = await conn.BeginTransactionAsync(ct);
            await using var cmd = new Npgsql.NpgsqlCommand(LockSql, conn, tx);
            cmd.Parameters.Add(new Npgsql.NpgsqlParameter { Value = id });
            cmd.Parameters.Add(new Npgsql.NpgsqlParameter { Value = ((long)timeout.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture) + "ms" });
            try
            {
                await cmd.ExecuteNonQueryAsync(ct);
            }
            catch (Npgsql.PostgresException e) when (e.SqlState == "55P03")
            {
                throw new Http.StorageError("423", "Locked", "The upload is locked by another request", "ResourceLocked");
            }
            return new HeldLock(conn, tx);
        }
        catch
        {
            await conn.DisposeAsync();
            throw;
        }
    }

    private sealed class HeldLock(Npgsql.NpgsqlConnection conn, Npgsql.NpgsqlTransaction tx) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await tx.CommitAsync(CancellationToken.None);
            }
            catch (Npgsql.NpgsqlException)
            {
                // The lock ends with the session anyway.
            }
            await tx.DisposeAsync();
            await conn.DisposeAsync();
        }
    }

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
