using System.Text.Json;
using Supacs.Core.Keys;

namespace Supacs.Testing;

/// <summary>JWTs for tests, signed like GoTrue's access tokens.</summary>
public static class TestTokens
{
    public const string Secret = "super-secret-jwt-token-with-at-least-32-characters-long";

    public static JwtKeys Keys { get; } = new(Secret);

    /// <summary>An access token for a user (role authenticated) or any role, valid for an hour.</summary>
    public static string For(string? sub, string role = "authenticated", IDictionary<string, object>? extra = null, JwtKeys? keys = null)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var claims = new Dictionary<string, object>
        {
            ["aud"] = "authenticated",
            ["role"] = role,
            ["iat"] = now,
            ["exp"] = now + 3600,
        };
        if (sub is not null) claims["sub"] = sub;
        if (extra is not null) foreach (var (k, v) in extra) claims[k] = v;
        return (keys ?? Keys).SignPayload(JsonSerializer.Serialize(claims));
    }
}
