using Npgsql;
using Supacs.Core.Projects;
using Supacs.Storage.Blobs;

namespace Supacs.Storage;

/// <summary>Per-project Storage state (<c>project.Feature</c>): options, the blob store, config buckets applied once.</summary>
internal sealed class StorageState : IDisposable
{
    private readonly SemaphoreSlim _bucketsLock = new(1, 1);
    private volatile bool _bucketsApplied;

    public StorageState(SupacsProject project)
    {
        Project = project;
        Options = StorageOptions.From(project.Config);
        if (Options.S3Backend is { } s3)
        {
            var store = new S3BlobStore(s3, project.DataDir);
            Blobs = store;
            Tus = new Tus.S3TusStore(store);
        }
        else
        {
            Blobs = new FileBlobStore(project.DataDir);
            Tus = new Tus.FileTusStore(project.DataDir);
        }
        (S3AccessKeyId, S3SecretAccessKey) = S3Credentials(project.Keys.Secret);
    }

    public SupacsProject Project { get; }
    public StorageOptions Options { get; }
    public IBlobStore Blobs { get; }

    /// <summary>S3 protocol access key (env S3_PROTOCOL_ACCESS_KEY_ID, else derived from the JWT secret); it acts as service_role.</summary>
    public string S3AccessKeyId { get; }

    /// <summary>S3 protocol secret (env S3_PROTOCOL_ACCESS_KEY_SECRET, else derived from the JWT secret).</summary>
    public string S3SecretAccessKey { get; }
    public Tus.ITusStore Tus { get; }

    /// <summary>The S3 protocol keys: env S3_PROTOCOL_ACCESS_KEY_ID/_SECRET, else derived from the JWT secret (stable per project).</summary>
    public static (string AccessKeyId, string SecretAccessKey) S3Credentials(string jwtSecret) =>
        (Environment.GetEnvironmentVariable("S3_PROTOCOL_ACCESS_KEY_ID") is { Length: > 0 } id ? id : Derive(jwtSecret, "s3-access-key-id")[..32],
         Environment.GetEnvironmentVariable("S3_PROTOCOL_ACCESS_KEY_SECRET") is { Length: > 0 } sk ? sk : Derive(jwtSecret, "s3-secret-access-key"));

    private static string Derive(string secret, string purpose) =>
        Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret),
            System.Text.Encoding.UTF8.GetBytes("supacs-" + purpose)));

    public static StorageState Of(SupacsProject project) => project.Feature(p => new StorageState(p));

    /// <summary>Creates the <c>[storage.buckets.*]</c> buckets that do not exist yet, once per process.</summary>
    public async ValueTask EnsureConfiguredBucketsAsync(CancellationToken ct)
    {
        if (_bucketsApplied || Options.Buckets.Count == 0) return;
        await _bucketsLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_bucketsApplied) return;
            await using var conn = await Project.Database.Admin.OpenConnectionAsync(ct).ConfigureAwait(false);
            await UpsertConfiguredBucketsAsync(conn, Options.Buckets, ct).ConfigureAwait(false);
            _bucketsApplied = true;
        }
        finally
        {
            _bucketsLock.Release();
        }
    }

    public static async Task UpsertConfiguredBucketsAsync(NpgsqlConnection conn, IReadOnlyList<ConfiguredBucket> buckets, CancellationToken ct)
    {
        foreach (var b in buckets)
        {
            await using var cmd = new NpgsqlCommand(
                "INSERT INTO storage.buckets (id, name, public, file_size_limit, allowed_mime_types) VALUES ($1, $1, $2, $3, $4) " +
                "ON CONFLICT (id) DO UPDATE SET public = excluded.public, file_size_limit = excluded.file_size_limit, " +
                "allowed_mime_types = excluded.allowed_mime_types", conn);
            cmd.Parameters.Add(new NpgsqlParameter { Value = b.Name });
            cmd.Parameters.Add(new NpgsqlParameter { Value = b.Public });
            cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)b.FileSizeLimit ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
            cmd.Parameters.Add(new NpgsqlParameter
            {
                Value = (object?)b.AllowedMimeTypes?.ToArray() ?? DBNull.Value,
                NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text,
            });
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        _bucketsLock.Dispose();
        (Blobs as IDisposable)?.Dispose();
    }
}
