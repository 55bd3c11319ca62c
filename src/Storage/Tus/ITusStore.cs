using System.Text.Json;
using Supacs.Storage.Blobs;

namespace Supacs.Storage.Tus;

/// <summary>
/// What a resumable upload will become, kept next to its bytes until it completes. <see cref="Length"/> is -1 while
/// deferred (Upload-Defer-Length); <see cref="MaxSize"/> is the size limit that applied when it was created.
/// </summary>
internal sealed record TusUpload(string Id, string Bucket, string Name, string Version, long Length, string ContentType, string CacheControl,
    string? UserMetadata, string? Owner, bool Upsert, bool Signed, DateTime ExpiresAt, long MaxSize = long.MaxValue)
{
    public bool Deferred => Length < 0;

    /// <summary>The upload as its info document; <paramref name="chunks"/> (sizes of the stored chunks) where the store keeps them there.</summary>
    public byte[] ToJson(IReadOnlyList<long>? chunks = null)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("id", Id);
            w.WriteString("bucket", Bucket);
            w.WriteString("name", Name);
            w.WriteString("version", Version);
            w.WriteNumber("length", Length);
            w.WriteString("contentType", ContentType);
            w.WriteString("cacheControl", CacheControl);
            w.WriteString("userMetadata", UserMetadata);
            w.WriteString("owner", Owner);
            w.WriteBoolean("upsert", Upsert);
            w.WriteBoolean("signed", Signed);
            w.WriteString("expiresAt", ExpiresAt);
            w.WriteNumber("maxSize", MaxSize);
            if (chunks is not null)
            {
                w.WriteStartArray("chunks");
                foreach (var c in chunks) w.WriteNumberValue(c);
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    public static TusUpload Parse(JsonElement r)
    {
        string? S(string n) => r.GetProperty(n).ValueKind == JsonValueKind.Null ? null : r.GetProperty(n).GetString();
        return new TusUpload(S("id")!, S("bucket")!, S("name")!, S("version")!, r.GetProperty("length").GetInt64(), S("contentType")!,
            S("cacheControl")!, S("userMetadata"), S("owner"), r.GetProperty("upsert").GetBoolean(), r.GetProperty("signed").GetBoolean(),
            r.GetProperty("expiresAt").GetDateTime(), r.TryGetProperty("maxSize", out var max) ? max.GetInt64() : long.MaxValue);
    }
}

/// <summary>
/// Where in-progress TUS uploads live: the data dir (<see cref="FileTusStore"/>, file backend) or the S3 backend itself
/// (<see cref="S3TusStore"/>, so any node sharing the database and the bucket can continue an upload). Callers hold the
/// upload's advisory lock (<see cref="TusLock"/>) around <see cref="AppendAsync"/>, <see cref="SaveAsync"/> and removal.
/// </summary>
internal interface ITusStore
{
    Task CreateAsync(TusUpload upload, CancellationToken ct);

    /// <summary>Rewrites the upload's attributes (a deferred length becoming known), keeping its bytes.</summary>
    Task SaveAsync(TusUpload upload, CancellationToken ct);

    Task<TusUpload?> LoadAsync(string id, CancellationToken ct);

    /// <summary>Bytes received so far; -1 when the upload does not exist.</summary>
    Task<long> OffsetAsync(string id, CancellationToken ct);

    /// <summary>Appends <paramref name="body"/> (more than <paramref name="maxBytes"/> throws <see cref="BlobTooLargeException"/>); returns the bytes added.</summary>
    Task<long> AppendAsync(string id, Stream body, long maxBytes, CancellationToken ct);

    /// <summary>Stores the received bytes as the object version <paramref name="key"/>.</summary>
    Task<BlobWritten> CompleteAsync(TusUpload upload, IBlobStore blobs, BlobKey key, CancellationToken ct);

    Task RemoveAsync(string id);
}

/// <summary>The cross-node lock of one upload: a PostgreSQL advisory lock.</summary>
internal static class TusLock
{
    /// <summary>How long an upload may stay unfinished.</summary>
    public static TimeSpan Expiry { get; } = TimeSpan.FromHours(1);

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

}
