using System.Globalization;
using Supacs.Core.Config;

namespace Supacs.Storage;

/// <summary>
/// Storage settings of one project, read from <c>[storage]</c> in config.toml and Supabase Storage's
/// environment names. To add a setting: add a property with its default here and read it in <see cref="From"/>.
/// </summary>
public sealed class StorageOptions
{
    /// <summary>Global upload limit in bytes (<c>[storage] file_size_limit</c>, env UPLOAD_FILE_SIZE_LIMIT); default 50 MiB as the CLI.</summary>
    public long FileSizeLimit { get; set; } = 50L * 1024 * 1024;

    /// <summary>Lifetime of signed upload URLs in seconds (env UPLOAD_SIGNED_URL_EXPIRATION_TIME); default two hours as hosted.</summary>
    public int UploadSignedUrlExpirationSeconds { get; set; } = 7200;

    /// <summary>
    /// Beyond Supabase: answer errors with their semantic HTTP status (404, 409, 413…) instead of upstream's
    /// 400-for-every-4xx (<c>[storage] real_http_status = true</c>, env STORAGE_REAL_HTTP_STATUS=true). Off by default.
    /// </summary>
    public bool RealHttpStatus { get; set; }

    /// <summary>
    /// Beyond Supabase: accept any printable Unicode (NFC) in object keys, not only upstream's ASCII set
    /// (<c>[storage] unicode_keys = true</c>, env STORAGE_UNICODE_KEYS=true). Off by default.
    /// </summary>
    public bool UnicodeKeys { get; set; }

    /// <summary>
    /// Where object bytes live: null = the local file system in the data dir (default); set = an S3-compatible
    /// service (<c>[storage] backend = "s3"</c> + <c>[storage.s3]</c>, or env STORAGE_BACKEND=s3 + GLOBAL_S3_*).
    /// </summary>
    public Blobs.S3BackendOptions? S3Backend { get; set; }

    /// <summary>
    /// The S3 protocol's region (env STORAGE_S3_REGION, else REGION, else <c>[storage] s3_protocol_region</c>; default
    /// "local" as the CLI's storage container). Signatures for auto, us-east-1 or this region are accepted.
    /// </summary>
    public string S3ProtocolRegion { get; set; } = "local";

    /// <summary>Refuse S3 signatures for any other region (env S3_PROTOCOL_ENFORCE_REGION=true, <c>[storage] s3_protocol_enforce_region</c>).</summary>
    public bool S3ProtocolEnforceRegion { get; set; }

    /// <summary>Buckets declared with <c>[storage.buckets.NAME]</c>, created at start when missing.</summary>
    public IReadOnlyList<ConfiguredBucket> Buckets { get; set; } = [];

    public static StorageOptions From(ProjectConfig config)
    {
        var options = new StorageOptions();
        var section = config.Section("storage");
        if (SizeParser.TryParse(section.GetRaw("file_size_limit"), binaryUnits: true, out var limit)) options.FileSizeLimit = limit;
        if (SizeParser.TryParse(Environment.GetEnvironmentVariable("UPLOAD_FILE_SIZE_LIMIT") ?? Environment.GetEnvironmentVariable("FILE_SIZE_LIMIT"),
                binaryUnits: false, out var envLimit)) options.FileSizeLimit = envLimit;
        if (int.TryParse(Environment.GetEnvironmentVariable("UPLOAD_SIGNED_URL_EXPIRATION_TIME"), CultureInfo.InvariantCulture, out var exp) && exp > 0)
            options.UploadSignedUrlExpirationSeconds = exp;
        options.RealHttpStatus = section.GetBool("real_http_status")
            ?? string.Equals(Environment.GetEnvironmentVariable("STORAGE_REAL_HTTP_STATUS"), "true", StringComparison.OrdinalIgnoreCase);
        options.UnicodeKeys = section.GetBool("unicode_keys")
            ?? string.Equals(Environment.GetEnvironmentVariable("STORAGE_UNICODE_KEYS"), "true", StringComparison.OrdinalIgnoreCase);
        options.S3Backend = ReadS3Backend(section);
        options.S3ProtocolRegion = Environment.GetEnvironmentVariable("STORAGE_S3_REGION") is { Length: > 0 } sr ? sr
            : Environment.GetEnvironmentVariable("REGION") is { Length: > 0 } r ? r
            : section.GetString("s3_protocol_region") ?? "local";
        options.S3ProtocolEnforceRegion = Environment.GetEnvironmentVariable("S3_PROTOCOL_ENFORCE_REGION") is { Length: > 0 } er
            ? string.Equals(er, "true", StringComparison.OrdinalIgnoreCase)
            : section.GetBool("s3_protocol_enforce_region") ?? false;
        var buckets = new List<ConfiguredBucket>();
        foreach (var (name, b) in section.Section("buckets").Children())
        {
            long? size = SizeParser.TryParse(b.GetRaw("file_size_limit"), binaryUnits: true, out var s) ? s : null;
            var mimes = b.GetStringArray("allowed_mime_types");
            buckets.Add(new ConfiguredBucket(name, b.GetBool("public") ?? false, size, mimes.Count == 0 ? null : mimes));
        }
        options.Buckets = buckets;
        return options;
    }

    private static Blobs.S3BackendOptions? ReadS3Backend(ConfigSection storage)
    {
        static string? Env(params string[] names) =>
            names.Select(Environment.GetEnvironmentVariable).FirstOrDefault(v => !string.IsNullOrEmpty(v));
        var backend = Env("STORAGE_BACKEND") ?? storage.GetString("backend") ?? "file";
        if (!string.Equals(backend, "s3", StringComparison.OrdinalIgnoreCase)) return null;
        var s3 = storage.Section("s3");
        var bucket = Env("STORAGE_S3_BUCKET", "GLOBAL_S3_BUCKET") ?? s3.GetString("bucket")
            ?? throw new InvalidOperationException("storage backend s3 needs a bucket ([storage.s3] bucket or GLOBAL_S3_BUCKET)");
        var endpoint = Env("STORAGE_S3_ENDPOINT", "GLOBAL_S3_ENDPOINT") ?? s3.GetString("endpoint");
        if (endpoint is { Length: > 0 } && !endpoint.Contains("://", StringComparison.Ordinal))
            endpoint = (Env("GLOBAL_S3_PROTOCOL") ?? "https") + "://" + endpoint;
        var pathStyle = Env("STORAGE_S3_FORCE_PATH_STYLE", "GLOBAL_S3_FORCE_PATH_STYLE") is { } ps ? string.Equals(ps, "true", StringComparison.OrdinalIgnoreCase) : s3.GetBool("force_path_style") ?? false;
        return new Blobs.S3BackendOptions(bucket, endpoint,
            Env("STORAGE_S3_REGION", "REGION", "AWS_DEFAULT_REGION", "AWS_REGION") ?? s3.GetString("region") ?? "us-east-1", pathStyle,
            Env("AWS_ACCESS_KEY_ID") ?? s3.GetString("access_key_id"), Env("AWS_SECRET_ACCESS_KEY") ?? s3.GetString("secret_access_key"),
            Env("TENANT_ID", "PROJECT_REF") ?? s3.GetString("prefix") ?? "stub");
    }
}

/// <summary>A bucket declared in config.toml.</summary>
public sealed record ConfiguredBucket(string Name, bool Public, long? FileSizeLimit, IReadOnlyList<string>? AllowedMimeTypes);

/// <summary>Sizes as numbers of bytes or strings like "20mb" / "50MiB".</summary>
internal static class SizeParser
{
    /// <summary>
    /// Bucket API strings are decimal (20mb = 20 000 000, as Supabase Storage); the CLI's config.toml
    /// sizes are binary (50MiB, and its MB too, as go-units reads them) when <paramref name="binaryUnits"/>.
    /// </summary>
    public static bool TryParse(object? value, bool binaryUnits, out long bytes)
    {
        bytes = 0;
        switch (value)
        {
            case null: return false;
            case long l: bytes = l; return l >= 0;
            case int i: bytes = i; return i >= 0;
            case double d: bytes = (long)d; return d >= 0;
        }
        var s = Convert.ToString(value, CultureInfo.InvariantCulture)?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(s)) return false;
        var split = 0;
        while (split < s.Length && (char.IsAsciiDigit(s[split]) || s[split] == '.')) split++;
        if (split == 0 || !double.TryParse(s[..split], NumberStyles.Float, CultureInfo.InvariantCulture, out var number)) return false;
        var unit = s[split..].Trim();
        double k = binaryUnits ? 1024 : 1000;
        double factor = unit switch
        {
            "" or "b" => 1,
            "k" or "kb" => k,
            "kib" => 1024,
            "m" or "mb" => k * k,
            "mib" => 1024d * 1024,
            "g" or "gb" => k * k * k,
            "gib" => 1024d * 1024 * 1024,
            _ => -1,
        };
        if (factor < 0) return false;
        bytes = (long)(number * factor);
        return true;
    }
}
