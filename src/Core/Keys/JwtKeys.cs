using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Supacs.Core.Keys;

/// <summary>
/// The project's JWT secret and the anon/service_role API keys derived from it, plus signing and
/// validation of HS256 tokens. Asymmetric keys are added by Auth on top of this.
/// </summary>
public sealed class JwtKeys
{
    private readonly SymmetricSecurityKey _key;
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    public JwtKeys(string secret, string? anonKey = null, string? serviceRoleKey = null, string issuer = "supabase-demo",
        string? publishableKey = null, string? secretKey = null)
    {
        if (Encoding.UTF8.GetByteCount(secret) < 32)
            throw new ArgumentException("JWT secret must be at least 32 bytes.", nameof(secret));
        Secret = secret;
        _key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)) { KeyId = null };
        Issuer = issuer;
        AnonKey = anonKey ?? CreateApiKey("anon");
        ServiceRoleKey = serviceRoleKey ?? CreateApiKey("service_role");
        PublishableKey = publishableKey ?? CreateOpaqueKey("sb_publishable_");
        SecretKey = secretKey ?? CreateOpaqueKey("sb_secret_");
    }

    public string Secret { get; }
    public string Issuer { get; }
    public string AnonKey { get; }
    public string ServiceRoleKey { get; }

    /// <summary>Supabase's new-format public key (<c>sb_publishable_…</c>): not a JWT; the gateway maps it to the anon key.</summary>
    public string PublishableKey { get; }

    /// <summary>Supabase's new-format server key (<c>sb_secret_…</c>): not a JWT; the gateway maps it to the service_role key.</summary>
    public string SecretKey { get; }

    /// <summary>A symmetric key usable by other modules for their own token handling.</summary>
    public SecurityKey SigningKey => _key;

    /// <summary>Signs the given claims (already a JSON object) with HS256.</summary>
    public string Sign(IDictionary<string, object> claims)
    {
        var descriptor = new SecurityTokenDescriptor
        {
            Claims = claims,
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.HmacSha256),
        };
        return _handler.CreateToken(descriptor);
    }

    /// <summary>Signs a raw JSON payload exactly as given (claim order and types kept).</summary>
    public string SignPayload(string payloadJson) =>
        _handler.CreateToken(payloadJson, new SigningCredentials(_key, SecurityAlgorithms.HmacSha256));

    /// <summary>
    /// Validates signature, algorithm and <c>exp</c>/<c>nbf</c> (30 s skew, as PostgREST allows).
    /// Audience is not enforced here; modules that need it check <c>aud</c> themselves.
    /// </summary>
    public async Task<JwtValidation> ValidateAsync(string token)
    {
        var parameters = new TokenValidationParameters
        {
            IssuerSigningKey = _key,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256, SecurityAlgorithms.HmacSha384, SecurityAlgorithms.HmacSha512],
            ValidateIssuer = false,
            ValidateAudience = false,
            ValidateLifetime = true,
            RequireExpirationTime = false,
            RequireSignedTokens = true,
            ClockSkew = TimeSpan.FromSeconds(30),
            TryAllIssuerSigningKeys = true,
        };
        var result = await _handler.ValidateTokenAsync(token, parameters).ConfigureAwait(false);
        if (!result.IsValid)
            return JwtValidation.Fail(Describe(result.Exception));
        var jwt = (JsonWebToken)result.SecurityToken;
        var payload = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(jwt.EncodedPayload));
        using var doc = JsonDocument.Parse(payload);
        return JwtValidation.Ok(doc.RootElement.Clone(), payload);
    }

    private static JwtFailure Describe(Exception? e) => e switch
    {
        SecurityTokenExpiredException => JwtFailure.Expired,
        SecurityTokenNotYetValidException => JwtFailure.NotYetValid,
        SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => JwtFailure.InvalidSignature,
        SecurityTokenInvalidAlgorithmException => JwtFailure.InvalidSignature,
        _ => JwtFailure.Malformed,
    };

    /// <summary>
    /// An API key like Supabase's: role claim, issuer, fixed iat/exp. Fixed times make the key a pure function of
    /// the secret, so every process (server, <c>supacs status</c>, a second node) derives the same key.
    /// </summary>
    private string CreateApiKey(string role)
    {
        const long issuedAt = 1_700_000_000;
        var payload = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["iss"] = Issuer,
            ["role"] = role,
            ["iat"] = issuedAt,
            ["exp"] = issuedAt + (20L * 365 * 24 * 3600),
        });
        return SignPayload(payload);
    }

    /// <summary>An opaque key derived from the secret (HMAC), so every process derives the same one.</summary>
    private string CreateOpaqueKey(string prefix)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(prefix));
        var body = Base64UrlEncoder.Encode(mac).Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal);
        return prefix + body[..32];
    }

    /// <summary>32 random bytes as 64 hex characters: a new project's secret.</summary>
    public static string GenerateSecret() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
}

public enum JwtFailure { None, Malformed, InvalidSignature, Expired, NotYetValid }

/// <summary>Outcome of validating a JWT: the claims on success, the reason otherwise.</summary>
public readonly record struct JwtValidation(bool IsValid, JwtFailure Failure, JsonElement Claims, string? ClaimsJson)
{
    public static JwtValidation Ok(JsonElement claims, string json) => new(true, JwtFailure.None, claims, json);
    public static JwtValidation Fail(JwtFailure failure) => new(false, failure, default, null);
}
