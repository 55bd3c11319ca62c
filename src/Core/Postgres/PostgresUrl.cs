using Npgsql;

namespace Supacs.Core.Postgres;

/// <summary>Turns a <c>postgresql://user:pass@host:port/db?sslmode=…</c> URL (or a key=value string) into a connection string.</summary>
public static class PostgresUrl
{
    public static NpgsqlConnectionStringBuilder Parse(string url)
    {
        if (!url.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) && !url.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
            return new NpgsqlConnectionStringBuilder(url);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
            throw new SupacsStartupException($"The database URL is not a valid postgresql:// URL.");
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')) is { Length: > 0 } db ? db : "postgres",
        };
        var userInfo = uri.UserInfo.Split(':', 2);
        if (userInfo[0].Length > 0) builder.Username = Uri.UnescapeDataString(userInfo[0]);
        if (userInfo.Length > 1) builder.Password = Uri.UnescapeDataString(userInfo[1]);
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            var value = kv.Length > 1 ? Uri.UnescapeDataString(kv[1]) : "";
            if (kv[0].Equals("sslmode", StringComparison.OrdinalIgnoreCase) && Enum.TryParse<SslMode>(value.Replace("-", "", StringComparison.Ordinal), true, out var mode))
                builder.SslMode = mode;
        }
        return builder;
    }

    /// <summary>The URL with the password hidden, for logs.</summary>
    public static string Redact(NpgsqlConnectionStringBuilder b) => $"postgresql://{b.Username}:***@{b.Host}:{b.Port}/{b.Database}";
}
