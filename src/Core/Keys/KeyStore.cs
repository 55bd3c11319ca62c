using System.Security.Cryptography;
using System.Text.Json;
using Supacs.Core.Config;

namespace Supacs.Core.Keys;

/// <summary>
/// Loads the project's keys: JWT_SECRET (and optionally ANON_KEY / SERVICE_ROLE_KEY / PUBLISHABLE_KEY / SECRET_KEY)
/// from the environment,
/// else a secret generated on first start and kept in the data dir with 0600 permissions; plus the asymmetric
/// signing keys, from <c>JWT_KEYS</c> / <c>GOTRUE_JWT_KEYS</c> (a JSON array of private JWKs, as GoTrue reads it)
/// or else the file named by <c>[auth] signing_keys_path</c> of config.toml (relative to the supabase folder, as the
/// Supabase CLI resolves it).
/// </summary>
public static class KeyStore
{
    public const string FileName = "jwt-secret.json";

    public static JwtKeys Load(string dataDir, Func<string, string?> env) => Load(dataDir, env, null);

    public static JwtKeys Load(string dataDir, Func<string, string?> env, ProjectConfig? config)
    {
        var fromEnv = env("JWT_SECRET");
        var secret = string.IsNullOrWhiteSpace(fromEnv) ? LoadOrCreateSecret(dataDir) : fromEnv;
        return new JwtKeys(secret, NullIfEmpty(env("ANON_KEY")), NullIfEmpty(env("SERVICE_ROLE_KEY")),
            publishableKey: NullIfEmpty(env("PUBLISHABLE_KEY")), secretKey: NullIfEmpty(env("SECRET_KEY")),
            asymmetricKeys: LoadAsymmetricKeys(env, config));
    }

    /// <summary>The configured asymmetric JWT keys (empty when none): env first, then config.toml's key file.</summary>
    public static IReadOnlyList<AsymmetricJwtKey> LoadAsymmetricKeys(Func<string, string?> env, ProjectConfig? config)
    {
        var json = NullIfEmpty(env("JWT_KEYS")) ?? NullIfEmpty(env("GOTRUE_JWT_KEYS"));
        var source = "JWT_KEYS";
        if (json is null && config is not null && SigningKeysPath(config) is { } path)
        {
            if (!File.Exists(path))
                throw new ConfigException($"[auth] signing_keys_path: {path} does not exist (create it with a JSON array of JWKs, e.g. `supabase gen signing-key`).");
            json = File.ReadAllText(path);
            source = path;
        }
        if (json is null) return [];
        try
        {
            return AsymmetricJwtKey.ParseList(json);
        }
        catch (Exception e) when (e is FormatException or JsonException or CryptographicException)
        {
            throw new ConfigException($"{source}: invalid JWT signing keys: {e.Message}", e);
        }
    }

    /// <summary>
    /// The file named by <c>[auth] signing_keys_path</c>, resolved relative to config.toml's folder as the Supabase CLI
    /// resolves it; null when not configured.
    /// </summary>
    public static string? SigningKeysPath(ProjectConfig config)
    {
        if (config.Section("auth").GetString("signing_keys_path") is not { Length: > 0 } relative) return null;
        var baseDir = config.SourcePath is null ? Directory.GetCurrentDirectory() : Path.GetDirectoryName(Path.GetFullPath(config.SourcePath))!;
        return Path.GetFullPath(Path.Combine(baseDir, relative));
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;

    private static string LoadOrCreateSecret(string dataDir)
    {
        var path = Path.Combine(dataDir, FileName);
        if (File.Exists(path))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            return doc.RootElement.GetProperty("jwt_secret").GetString()
                ?? throw new InvalidDataException($"{path} has no jwt_secret.");
        }
        Directory.CreateDirectory(dataDir);
        var secret = JwtKeys.GenerateSecret();
        PrivateFile.WriteAtomically(path, stream =>
            JsonSerializer.Serialize(stream, new Dictionary<string, string> { ["jwt_secret"] = secret }));
        return secret;
    }
}
