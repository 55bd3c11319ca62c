using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Supacs.Core.Config;
using Supacs.Core.Keys;
using Supacs.Testing;

namespace Supacs.Core.Tests.Keys;

public sealed class AsymmetricKeysTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "supacs-akeys-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static AsymmetricJwtKey Key(string alg, string? kid = null) =>
        AsymmetricJwtKey.Parse(JsonDocument.Parse(AsymmetricJwtKey.Generate(alg, kid).ToJsonString()).RootElement);

    private static JwtKeys With(params AsymmetricJwtKey[] keys) => new(TestTokens.Secret, asymmetricKeys: keys);

    private static JsonElement Header(string token) =>
        JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(Pad(token.Split('.')[0])))).RootElement;

    private static string Pad(string b64url)
    {
        var s = b64url.Replace('-', '+').Replace('_', '/');
        return s + new string('=', (4 - (s.Length % 4)) % 4);
    }

    private const string Payload = "{\"sub\":\"u1\",\"role\":\"authenticated\"}";

    [Theory]
    [InlineData("ES256")]
    [InlineData("RS256")]
    public async Task The_signing_key_signs_access_tokens_with_its_kid_and_verifies_them(string alg)
    {
        var keys = With(Key(alg, "key-1"));
        var token = keys.SignAccessToken(Payload);
        var header = Header(token);
        Assert.Equal(alg, header.GetProperty("alg").GetString());
        Assert.Equal("key-1", header.GetProperty("kid").GetString());
        var result = await keys.ValidateAsync(token);
        Assert.True(result.IsValid);
        Assert.Equal("u1", result.Claims.GetProperty("sub").GetString());
    }

    [Fact]
    public async Task Without_asymmetric_keys_access_tokens_stay_HS256_without_kid()
    {
        var token = TestTokens.Keys.SignAccessToken(Payload);
        var header = Header(token);
        Assert.Equal("HS256", header.GetProperty("alg").GetString());
        Assert.False(header.TryGetProperty("kid", out _));
        Assert.True((await TestTokens.Keys.ValidateAsync(token)).IsValid);
        Assert.Equal("{\"keys\":[]}", TestTokens.Keys.PublicJwksJson);
    }

    [Fact]
    public async Task Api_keys_and_HS256_tokens_still_verify_when_asymmetric_keys_are_configured()
    {
        var keys = With(Key("ES256"));
        Assert.Equal(TestTokens.Keys.AnonKey, keys.AnonKey);
        Assert.Equal("HS256", Header(keys.ServiceRoleKey).GetProperty("alg").GetString());
        Assert.True((await keys.ValidateAsync(keys.AnonKey)).IsValid);
        Assert.True((await keys.ValidateAsync(TestTokens.For("u2"))).IsValid);
    }

    [Fact]
    public async Task Rotation_new_key_signs_and_the_previous_key_still_verifies()
    {
        var oldKey = Key("RS256", "old");
        var newKey = Key("ES256", "new");
        var before = With(oldKey);
        var oldToken = before.SignAccessToken(Payload);

        var after = With(newKey, oldKey);
        Assert.Equal("new", after.CurrentSigningKey!.KeyId);
        Assert.Equal("new", Header(after.SignAccessToken(Payload)).GetProperty("kid").GetString());
        Assert.True((await after.ValidateAsync(oldToken)).IsValid);

        // Once the old key is dropped, its tokens are refused.
        var retired = With(newKey);
        Assert.Equal(JwtFailure.InvalidSignature, (await retired.ValidateAsync(oldToken)).Failure);
    }

    [Fact]
    public async Task A_public_only_key_verifies_but_never_signs()
    {
        var signer = AsymmetricJwtKey.Generate("ES256", "pub");
        var token = With(AsymmetricJwtKey.Parse(JsonDocument.Parse(signer.ToJsonString()).RootElement)).SignAccessToken(Payload);
        signer.Remove("d");
        var publicOnly = AsymmetricJwtKey.Parse(JsonDocument.Parse(signer.ToJsonString()).RootElement);
        Assert.False(publicOnly.CanSign);
        var keys = With(publicOnly);
        Assert.Null(keys.CurrentSigningKey);
        Assert.Equal("HS256", Header(keys.SignAccessToken(Payload)).GetProperty("alg").GetString());
        Assert.True((await keys.ValidateAsync(token)).IsValid);
    }

    [Fact]
    public async Task Tokens_from_an_unknown_key_or_claiming_a_known_kid_with_another_key_are_refused()
    {
        var mine = Key("ES256", "mine");
        var keys = With(mine);
        var stranger = With(Key("ES256", "stranger")).SignAccessToken(Payload);
        Assert.Equal(JwtFailure.InvalidSignature, (await keys.ValidateAsync(stranger)).Failure);

        var impostor = With(Key("ES256", "mine")).SignAccessToken(Payload);
        Assert.Equal(JwtFailure.InvalidSignature, (await keys.ValidateAsync(impostor)).Failure);

        // An RS256 token that names an ES256 kid is refused (no algorithm confusion).
        var rsaNamedMine = With(Key("RS256", "mine")).SignAccessToken(Payload);
        Assert.Equal(JwtFailure.InvalidSignature, (await keys.ValidateAsync(rsaNamedMine)).Failure);

        // An HS256-only project refuses every asymmetric token.
        Assert.False((await TestTokens.Keys.ValidateAsync(keys.SignAccessToken(Payload))).IsValid);
    }

    [Fact]
    public async Task Expiry_is_checked_for_asymmetric_tokens()
    {
        var keys = With(Key("ES256"));
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var expired = keys.SignAccessToken($"{{\"role\":\"authenticated\",\"exp\":{now - 120}}}");
        Assert.Equal(JwtFailure.Expired, (await keys.ValidateAsync(expired)).Failure);
    }

    [Fact]
    public void The_published_set_has_public_members_only()
    {
        var keys = With(Key("ES256", "e1"), Key("RS256", "r1"));
        var set = JsonNode.Parse(keys.PublicJwksJson)!["keys"]!.AsArray();
        Assert.Equal(2, set.Count);
        foreach (var jwk in set)
        {
            foreach (var secret in new[] { "d", "p", "q", "dp", "dq", "qi" }) Assert.Null(jwk![secret]);
            Assert.Equal("sig", (string?)jwk!["use"]);
            Assert.Equal("[\"verify\"]", jwk["key_ops"]!.ToJsonString());
        }
        Assert.Equal("e1", (string?)set[0]!["kid"]);
        Assert.Equal("ES256", (string?)set[0]!["alg"]);
        Assert.Equal("P-256", (string?)set[0]!["crv"]);
        Assert.Equal("RS256", (string?)set[1]!["alg"]);
        Assert.NotNull(set[1]!["n"]);
    }

    [Fact]
    public void Bad_key_lists_are_refused()
    {
        Assert.Throws<FormatException>(() => AsymmetricJwtKey.ParseList("""[{"kty":"oct","k":"c2VjcmV0"}]"""));
        Assert.Throws<FormatException>(() => AsymmetricJwtKey.ParseList("""[{"kty":"EC","crv":"P-384","x":"AA","y":"AA"}]"""));
        var a = AsymmetricJwtKey.Generate("ES256", "same").ToJsonString();
        var b = AsymmetricJwtKey.Generate("ES256", "same").ToJsonString();
        Assert.Throws<FormatException>(() => AsymmetricJwtKey.ParseList($"[{a},{b}]"));
        Assert.Throws<FormatException>(() => AsymmetricJwtKey.ParseList("\"nope\""));
    }

    [Fact]
    public void A_key_without_kid_gets_its_thumbprint()
    {
        var jwk = AsymmetricJwtKey.Generate("ES256");
        jwk.Remove("kid");
        var key = AsymmetricJwtKey.Parse(JsonDocument.Parse(jwk.ToJsonString()).RootElement);
        Assert.Matches("^[A-Za-z0-9_-]{43}$", key.KeyId);
    }

    [Fact]
    public async Task KeyStore_reads_the_env_list_and_the_config_file()
    {
        var envJwk = AsymmetricJwtKey.Generate("ES256", "from-env").ToJsonString();
        var fromEnv = KeyStore.Load(_dir, n => n == "GOTRUE_JWT_KEYS" ? $"[{envJwk}]" : null);
        Assert.Equal("from-env", fromEnv.CurrentSigningKey!.KeyId);

        var supabaseDir = Path.Combine(_dir, "project", "supabase");
        Directory.CreateDirectory(supabaseDir);
        await File.WriteAllTextAsync(Path.Combine(supabaseDir, "signing_keys.json"),
            $"[{AsymmetricJwtKey.Generate("RS256", "from-file")},{AsymmetricJwtKey.Generate("ES256", "second")}]");
        var configPath = Path.Combine(supabaseDir, "config.toml");
        var config = ProjectConfig.Parse("[auth]\nsigning_keys_path = \"./signing_keys.json\"\n", configPath);
        var fromFile = KeyStore.Load(_dir, _ => null, config);
        Assert.Equal(["from-file", "second"], fromFile.AsymmetricKeys.Select(k => k.KeyId));
        Assert.Equal("from-file", fromFile.CurrentSigningKey!.KeyId);

        // The env list wins over the file.
        Assert.Equal("from-env", KeyStore.Load(_dir, n => n == "JWT_KEYS" ? envJwk : null, config).CurrentSigningKey!.KeyId);

        var missing = ProjectConfig.Parse("[auth]\nsigning_keys_path = \"./nope.json\"\n", configPath);
        Assert.Throws<ConfigException>(() => KeyStore.Load(_dir, _ => null, missing));
        Assert.Throws<ConfigException>(() => KeyStore.Load(_dir, n => n == "JWT_KEYS" ? "[{\"kty\":\"EC\"}]" : null));
    }
}
