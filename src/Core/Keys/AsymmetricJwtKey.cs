using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;

namespace Supacs.Core.Keys;

/// <summary>
/// One asymmetric JWT key from a JWK (GoTrue's <c>JWT_KEYS</c>, the Supabase CLI's <c>signing_keys.json</c>):
/// RS256 (RSA) or ES256 (EC P-256). With its private part it can sign; every key verifies.
/// </summary>
public sealed class AsymmetricJwtKey
{
    private AsymmetricJwtKey(string kid, string algorithm, SecurityKey key, bool canSign, JsonObject publicJwk)
    {
        KeyId = kid;
        Algorithm = algorithm;
        SecurityKey = key;
        CanSign = canSign;
        PublicJwk = publicJwk;
    }

    public string KeyId { get; }

    /// <summary><c>RS256</c> or <c>ES256</c>.</summary>
    public string Algorithm { get; }

    /// <summary>The key for Microsoft.IdentityModel (private when <see cref="CanSign"/>).</summary>
    public SecurityKey SecurityKey { get; }

    /// <summary>True when the JWK carries the private part and its <c>key_ops</c> (if any) allow <c>sign</c>.</summary>
    public bool CanSign { get; }

    /// <summary>The public JWK as GoTrue publishes it: no private members, <c>use: sig</c>, <c>key_ops: ["verify"]</c>.</summary>
    public JsonObject PublicJwk { get; }

    /// <summary>Parses a JSON array of JWKs (a single JWK object is accepted too).</summary>
    public static IReadOnlyList<AsymmetricJwtKey> ParseList(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("keys", out var set)) root = set;
        var list = new List<AsymmetricJwtKey>();
        if (root.ValueKind == JsonValueKind.Object)
            list.Add(Parse(root));
        else if (root.ValueKind == JsonValueKind.Array)
            foreach (var item in root.EnumerateArray()) list.Add(Parse(item));
        else
            throw new FormatException("JWT keys must be a JSON array of JWKs.");
        var duplicate = list.GroupBy(k => k.KeyId, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new FormatException($"JWT keys: kid '{duplicate.Key}' appears twice.");
        return list;
    }

    /// <summary>Parses one JWK object.</summary>
    public static AsymmetricJwtKey Parse(JsonElement jwk)
    {
        if (jwk.ValueKind != JsonValueKind.Object) throw new FormatException("A JWT key must be a JSON object.");
        var kty = Str(jwk, "kty") ?? throw new FormatException("JWK without kty.");
        var ops = jwk.TryGetProperty("key_ops", out var o) && o.ValueKind == JsonValueKind.Array
            ? o.EnumerateArray().Select(e => e.GetString()).ToList()
            : null;
        var publicJwk = new JsonObject { ["kty"] = kty };
        SecurityKey key;
        bool hasPrivate;
        string alg;
        string thumbprintJson;
        switch (kty)
        {
            case "EC":
            {
                var crv = Str(jwk, "crv") ?? throw new FormatException("EC JWK without crv.");
                if (crv != "P-256") throw new FormatException($"EC curve {crv} is not supported (ES256 needs P-256).");
                alg = Str(jwk, "alg") ?? "ES256";
                if (alg != "ES256") throw new FormatException($"alg {alg} does not fit an EC P-256 key.");
                var x = Bytes(jwk, "x") ?? throw new FormatException("EC JWK without x.");
                var y = Bytes(jwk, "y") ?? throw new FormatException("EC JWK without y.");
                var d = Bytes(jwk, "d");
                hasPrivate = d is not null;
                var ec = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = x, Y = y }, D = d });
                key = new ECDsaSecurityKey(ec);
                publicJwk["crv"] = crv;
                publicJwk["x"] = Str(jwk, "x");
                publicJwk["y"] = Str(jwk, "y");
                thumbprintJson = $$"""{"crv":"{{crv}}","kty":"EC","x":"{{Str(jwk, "x")}}","y":"{{Str(jwk, "y")}}"}""";
                break;
            }
            case "RSA":
            {
                alg = Str(jwk, "alg") ?? "RS256";
                if (alg != "RS256") throw new FormatException($"alg {alg} does not fit an RSA key (RS256).");
                var n = Bytes(jwk, "n") ?? throw new FormatException("RSA JWK without n.");
                var e = Bytes(jwk, "e") ?? throw new FormatException("RSA JWK without e.");
                var d = Bytes(jwk, "d");
                hasPrivate = d is not null;
                var p = new RSAParameters { Modulus = n, Exponent = e };
                if (d is not null)
                {
                    p.D = d;
                    p.P = Bytes(jwk, "p") ?? throw new FormatException("RSA private JWK without p.");
                    p.Q = Bytes(jwk, "q") ?? throw new FormatException("RSA private JWK without q.");
                    p.DP = Bytes(jwk, "dp") ?? throw new FormatException("RSA private JWK without dp.");
                    p.DQ = Bytes(jwk, "dq") ?? throw new FormatException("RSA private JWK without dq.");
                    p.InverseQ = Bytes(jwk, "qi") ?? throw new FormatException("RSA private JWK without qi.");
                }
                if (n.Length < 256) throw new FormatException("RSA keys must have at least 2048 bits.");
                var rsa = RSA.Create();
                rsa.ImportParameters(p);
                key = new RsaSecurityKey(rsa);
                publicJwk["n"] = Str(jwk, "n");
                publicJwk["e"] = Str(jwk, "e");
                thumbprintJson = $$"""{"e":"{{Str(jwk, "e")}}","kty":"RSA","n":"{{Str(jwk, "n")}}"}""";
                break;
            }
            default:
                throw new FormatException($"JWK kty {kty} is not supported (EC P-256 for ES256, RSA for RS256).");
        }
        // RFC 7638 thumbprint when the JWK has no kid, so every token still names its key.
        var kid = Str(jwk, "kid") is { Length: > 0 } k
            ? k
            : Base64UrlEncoder.Encode(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(thumbprintJson)));
        key.KeyId = kid;
        publicJwk["kid"] = kid;
        publicJwk["use"] = "sig";
        publicJwk["key_ops"] = new JsonArray("verify");
        publicJwk["alg"] = alg;
        if (jwk.TryGetProperty("ext", out var ext) && ext.ValueKind is JsonValueKind.True or JsonValueKind.False)
            publicJwk["ext"] = ext.GetBoolean();
        var canSign = hasPrivate && (ops is null || ops.Contains("sign"));
        return new AsymmetricJwtKey(kid, alg, key, canSign, publicJwk);
    }

    /// <summary>A new key pair as a private JWK with <c>key_ops: ["sign","verify"]</c> (what <c>supabase gen signing-key</c> writes).</summary>
    public static JsonObject Generate(string algorithm = "ES256", string? kid = null)
    {
        kid ??= Guid.NewGuid().ToString();
        var jwk = new JsonObject();
        switch (algorithm)
        {
            case "ES256":
            {
                using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
                var p = ec.ExportParameters(includePrivateParameters: true);
                jwk["kty"] = "EC";
                jwk["kid"] = kid;
                jwk["use"] = "sig";
                jwk["key_ops"] = new JsonArray("sign", "verify");
                jwk["alg"] = "ES256";
                jwk["ext"] = true;
                jwk["d"] = Base64UrlEncoder.Encode(p.D);
                jwk["crv"] = "P-256";
                jwk["x"] = Base64UrlEncoder.Encode(p.Q.X);
                jwk["y"] = Base64UrlEncoder.Encode(p.Q.Y);
                break;
            }
            case "RS256":
            {
                using var rsa = RSA.Create(2048);
                var p = rsa.ExportParameters(includePrivateParameters: true);
                jwk["kty"] = "RSA";
                jwk["kid"] = kid;
                jwk["use"] = "sig";
                jwk["key_ops"] = new JsonArray("sign", "verify");
                jwk["alg"] = "RS256";
                jwk["ext"] = true;
                jwk["n"] = Base64UrlEncoder.Encode(p.Modulus);
                jwk["e"] = Base64UrlEncoder.Encode(p.Exponent);
                jwk["d"] = Base64UrlEncoder.Encode(p.D);
                jwk["p"] = Base64UrlEncoder.Encode(p.P);
                jwk["q"] = Base64UrlEncoder.Encode(p.Q);
                jwk["dp"] = Base64UrlEncoder.Encode(p.DP);
                jwk["dq"] = Base64UrlEncoder.Encode(p.DQ);
                jwk["qi"] = Base64UrlEncoder.Encode(p.InverseQ);
                break;
            }
            default:
                throw new ArgumentException($"Unsupported algorithm {algorithm} (ES256 or RS256).", nameof(algorithm));
        }
        return jwk;
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static byte[]? Bytes(JsonElement e, string name)
    {
        var s = Str(e, name);
        if (s is null) return null;
        try { return Base64UrlEncoder.DecodeBytes(s); }
        catch (FormatException ex) { throw new FormatException($"JWK member {name} is not base64url.", ex); }
    }
}
