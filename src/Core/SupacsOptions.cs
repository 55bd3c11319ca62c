namespace Supacs.Core;

/// <summary>How one Supacs process is started: from CLI flags, else environment, else these defaults.</summary>
public sealed class SupacsOptions
{
    /// <summary>HTTP port; 54321 like the Supabase CLI so existing tools find it.</summary>
    public int Port { get; set; } = 54321;

    /// <summary>Address Kestrel binds to.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>Where the embedded cluster, keys and storage objects live.</summary>
    public string DataDir { get; set; } = "./.supacs";

    /// <summary>External PostgreSQL URL; when null an embedded cluster is used.</summary>
    public string? DbUrl { get; set; }

    /// <summary>A Supabase CLI project folder (the one that contains <c>supabase/</c>).</summary>
    public string? ProjectDir { get; set; }

    /// <summary>Public URL clients use (API_EXTERNAL_URL); defaults to http://Host:Port.</summary>
    public string? ApiExternalUrl { get; set; }

    /// <summary>Port the embedded cluster prefers (the Supabase CLI's DB port); a free one is used when taken.</summary>
    public int EmbeddedDbPort { get; set; } = 54322;

    public string PublicUrl => (ApiExternalUrl ?? $"http://{Host}:{Port}").TrimEnd('/');
}
