using Microsoft.AspNetCore.Http;
using Supacs.Core.Keys;

namespace Supacs.Core.Requests;

/// <summary>Outcome of reading the caller's JWT: an identity, or why the token was refused.</summary>
public readonly record struct IdentityResult(RequestIdentity? Identity, JwtFailure Failure, bool TokenPresent)
{
    public bool IsValid => Identity is not null;
}

/// <summary>Reads and validates the bearer token (or apikey) of a request. Modules map failures to their own error shapes.</summary>
public static class RequestIdentityResolver
{
    public static string? BearerToken(HttpRequest request)
    {
        var auth = request.Headers.Authorization.ToString();
        if (auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var token = auth[7..].Trim();
            if (token.Length > 0) return token;
        }
        return null;
    }

    public static string? ApiKey(HttpRequest request)
    {
        var key = request.Headers["apikey"].ToString();
        if (key.Length == 0) key = request.Query["apikey"].ToString();
        return key.Length == 0 ? null : key;
    }

    /// <summary>
    /// Validates the bearer token, falling back to the apikey when there is no Authorization header
    /// (as Kong forwards it). A missing token yields the anon identity.
    /// </summary>
    public static async Task<IdentityResult> ResolveAsync(HttpRequest request, JwtKeys keys, string anonRole = "anon")
    {
        var token = BearerToken(request) ?? ApiKey(request);
        if (token is null) return new IdentityResult(RequestIdentity.Anonymous(anonRole), JwtFailure.None, false);
        return await ResolveTokenAsync(token, keys, anonRole).ConfigureAwait(false);
    }

    public static async Task<IdentityResult> ResolveTokenAsync(string token, JwtKeys keys, string anonRole = "anon")
    {
        var validation = await keys.ValidateAsync(token).ConfigureAwait(false);
        if (!validation.IsValid) return new IdentityResult(null, validation.Failure, true);
        var role = validation.Claims.TryGetProperty("role", out var r) && r.ValueKind == System.Text.Json.JsonValueKind.String
            ? r.GetString()! : anonRole;
        return new IdentityResult(new RequestIdentity(role, validation.ClaimsJson!, validation.Claims, token), JwtFailure.None, true);
    }
}
