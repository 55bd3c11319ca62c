using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Supacs.Core.Keys;

/// <summary>
/// The project's JWT secret and the anon/service_role API keys derived from it, plus signing and
/// validation of HS256 tokens; optionally asymmetric keys (RS256/ES256, GoTrue's <c>JWT_KEYS</c>): the first one that
/// can sign signs user access tokens (<see cref="SignAccessToken"/>) with a <c>kid</c> header, and every one verifies.
/// API keys (anon/service_role) and other internal tokens stay HS256 with the secret.
/// </summary>
public sealed class JwtKeys
{
    private readonly SymmetricSecurityKey _key;
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    public JwtKeys(string secret, string? anonKey = null, string? serviceRoleKey = null, string issuer = "supabase-demo",
        string? publishableKey = null, string? secretKey = null, IEnumerable<AsymmetricJwtKey>? asymmetricKeys = null)
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
        AsymmetricKeys = asymmetricKeys?.ToList() ?? [];
        _byKid = AsymmetricKeys.ToDictionary(k => k.KeyId, StringComparer.Ordinal);
        CurrentSigningKey = AsymmetricKeys.FirstOrDefault(k => k.CanSign);
        if (CurrentSigningKey is not null)
            _accessCredentials = new SigningCredentials(CurrentSigningKey.SecurityKey, CurrentSigningKey.Algorithm);
        var jwks = new JsonArray();
        foreach (var k in AsymmetricKeys) jwks.Add(k.PublicJwk.DeepClone());
        PublicJwksJson = new JsonObject { ["keys"] = jwks }.ToJsonString();
    }

    private readonly Dictionary<string, AsymmetricJwtKey> _byKid;
    private readonly SigningCredentials? _accessCredentials;

    /// <summary>The asymmetric keys, in configured order (empty: HS256 only).</summary>
    public IReadOnlyList<AsymmetricJwtKey> AsymmetricKeys { get; }

    /// <summary>The key that signs access tokens: the first asymmetric key with a private part; null means HS256.</summary>
    public AsymmetricJwtKey? CurrentSigningKey { get; }

    /// <summary><c>{"keys":[…]}</c>: the public parts of the asymmetric keys, as <c>/.well-known/jwks.json</c> serves them.</summary>
    public string PublicJwksJson { get; }

    /// <summary>
    /// Signs a user access token payload exactly as given: with the current asymmetric signing key (and its
    /// <c>kid</c> in the header) when one is configured, else HS256 with the secret.
    /// </summary>
    public string SignAccessToken(string payloadJson) => _accessCredentials is null
        ? SignPayload(payloadJson)
        : _handler.CreateToken(payloadJson, _accessCredentials); // the key's KeyId becomes the kid header

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
    /// <remarks>
    /// HS256/384/512 tokens verify with the secret. RS256/ES256 tokens verify with the asymmetric key their
    /// <c>kid</c> names (an unknown kid is refused), or, without a kid, with any configured key of that algorithm.
    /// </remarks>
    public async Task<JwtValidation> ValidateAsync(string token)
    {
        string alg;
        string? kid;
        try
        {
            var header = _handler.ReadJsonWebToken(token);
            alg = header.Alg;
            kid = header.TryGetHeaderValue<string>("kid", out var k) ? k : null;
        }
        catch (ArgumentException)
        {
            return JwtValidation.Fail(JwtFailure.Malformed);
        }
        catch (SecurityTokenException)
        {
            return JwtValidation.Fail(JwtFailure.Malformed);
        }
        IEnumerable<SecurityKey> candidates;
        string[] algorithms;
        if (alg is SecurityAlgorithms.HmacSha256 or SecurityAlgorithms.HmacSha384 or SecurityAlgorithms.HmacSha512)
        {
            candidates = [_key];
            algorithms = [SecurityAlgorithms.HmacSha256, SecurityAlgorithms.HmacSha384, SecurityAlgorithms.HmacSha512];
        }
        else if (alg is SecurityAlgorithms.RsaSha256 or SecurityAlgorithms.EcdsaSha256)
        {
            if (kid is not null)
            {
                if (!_byKid.TryGetValue(kid, out var named) || named.Algorithm != alg)
                    return JwtValidation.Fail(JwtFailure.InvalidSignature);
                candidates = [named.SecurityKey];
            }
            else
            {
                candidates = AsymmetricKeys.Where(k => k.Algorithm == alg).Select(k => k.SecurityKey).ToList();
            }
            if (!candidates.Any()) return JwtValidation.Fail(JwtFailure.InvalidSignature);
            algorithms = [alg];
        }
        else
        {
            return JwtValidation.Fail(JwtFailure.InvalidSignature);
        }
        var parameters = new TokenValidationParameters
        {
            IssuerSigningKeys = candidates,
            ValidAlgorithms = algorithms,
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
