using System.Text.Json;

namespace Supacs.Core.Keys;

/// <summary>
/// Loads the project's keys: JWT_SECRET (and optionally ANON_KEY / SERVICE_ROLE_KEY / PUBLISHABLE_KEY / SECRET_KEY)
/// from the environment,
/// else a secret generated on first start and kept in the data dir with 0600 permissions.
/// </summary>
public static class KeyStore
{
    public const string FileName = "jwt-secret.json";

    public static JwtKeys Load(string dataDir, Func<string, string?> env)
    {
        var fromEnv = env("JWT_SECRET");
        var secret = string.IsNullOrWhiteSpace(fromEnv) ? LoadOrCreateSecret(dataDir) : fromEnv;
        return new JwtKeys(secret, NullIfEmpty(env("ANON_KEY")), NullIfEmpty(env("SERVICE_ROLE_KEY")),
            publishableKey: NullIfEmpty(env("PUBLISHABLE_KEY")), secretKey: NullIfEmpty(env("SECRET_KEY")));
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
        var temp = path + ".tmp";
        // Create with 0600 from the start so the secret is never world-readable, then rename atomically.
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temp, options))
        {
            JsonSerializer.Serialize(stream, new Dictionary<string, string> { ["jwt_secret"] = secret });
        }
        File.Move(temp, path, overwrite: true);
        return secret;
    }
}
