using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;
using Supacs.Core.Keys;
using Supacs.Core.Requests;

namespace Supacs.Realtime.Channels;

/// <summary>Realtime's JWT rules: a valid signature, and both <c>role</c> and <c>exp</c> present, with upstream's messages.</summary>
internal static class RealtimeToken
{
    public readonly record struct Result(RequestIdentity? Identity, string? Error, long ExpiresAt, string Code = "InvalidJWTToken")
    {
        public bool IsValid => Identity is not null;

        /// <summary>The join error reason, <c>"&lt;Code&gt;: &lt;message&gt;"</c> as upstream (MalformedJWT, JwtSignatureError, InvalidJWTToken).</summary>
        public string JoinReason => Code + ": " + Error;
    }

    public static async Task<Result> ValidateAsync(JwtKeys keys, string? token)
    {
        if (string.IsNullOrEmpty(token)) return new Result(null, "API key is missing or not a valid string", 0, "MissingAPIKey");
        var validation = await keys.ValidateAsync(token).ConfigureAwait(false);
        if (!validation.IsValid)
        {
            return validation.Failure switch
            {
                JwtFailure.Expired => new Result(null, $"Token has expired {SecondsSinceExpiry(token)} seconds ago", 0),
                JwtFailure.InvalidSignature => new Result(null, "Failed to validate JWT signature", 0, "JwtSignatureError"),
                JwtFailure.NotYetValid => new Result(null, "Token is not valid yet", 0),
                _ => new Result(null, "The token provided is not a valid JWT", 0, "MalformedJWT"),
            };
        }
        var claims = validation.Claims;
        if (!claims.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String ||
            !claims.TryGetProperty("exp", out var exp) || exp.ValueKind != JsonValueKind.Number)
            return new Result(null, "Fields `role` and `exp` are required in JWT", 0);
        var identity = new RequestIdentity(role.GetString()!, validation.ClaimsJson!, claims, token);
        return new Result(identity, null, (long)exp.GetDouble());
    }

    private static long SecondsSinceExpiry(string token)
    {
        try
        {
            var parts = token.Split('.');
            using var doc = JsonDocument.Parse(Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1])));
            var exp = (long)doc.RootElement.GetProperty("exp").GetDouble();
            return Math.Max(0, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - exp);
        }
        catch (Exception e) when (e is FormatException or JsonException or KeyNotFoundException or IndexOutOfRangeException or ArgumentException)
        {
            return 0;
        }
    }
}

/// <summary>
/// Valid tokens already seen, so thousands of sockets with the same key share one identity (and one signature check)
/// instead of each holding its own claims copy. An entry is used only until the token's <c>exp</c>; invalid tokens are not cached.
/// </summary>
internal sealed class TokenCache(JwtKeys keys)
{
    private const int MaxEntries = 10_000;
    private readonly ConcurrentDictionary<string, RealtimeToken.Result> _valid = new(StringComparer.Ordinal);

    public async Task<RealtimeToken.Result> ValidateAsync(string? token)
    {
        if (token is { Length: > 0 } && _valid.TryGetValue(token, out var hit))
        {
            if (hit.ExpiresAt > DateTimeOffset.UtcNow.ToUnixTimeSeconds()) return hit;
            _valid.TryRemove(token, out _);
        }
        var result = await RealtimeToken.ValidateAsync(keys, token).ConfigureAwait(false);
        if (result.IsValid && result.ExpiresAt > DateTimeOffset.UtcNow.ToUnixTimeSeconds())
        {
            if (_valid.Count >= MaxEntries) _valid.Clear();
            _valid[token!] = result;
        }
        return result;
    }
}
