using System.Text.Json;
using Supacs.Auth.Tests.Infrastructure;
using Supacs.Core.Keys;
using Supacs.Testing;

namespace Supacs.Auth.Tests.Endpoints;

/// <summary>A project with two asymmetric keys: ES256 signs, an older RS256 key still verifies.</summary>
public sealed class SigningKeysFixture : AuthHostFixture
{
    public static readonly JsonElement Es256 = JsonDocument.Parse(AsymmetricJwtKey.Generate("ES256", "es-current").ToJsonString()).RootElement;
    public static readonly JsonElement Rs256 = JsonDocument.Parse(AsymmetricJwtKey.Generate("RS256", "rs-previous").ToJsonString()).RootElement;

    public static JwtKeys Previous { get; } = new(TestTokens.Secret, asymmetricKeys: [AsymmetricJwtKey.Parse(Rs256)]);

    protected override JwtKeys Keys { get; } =
        new(TestTokens.Secret, asymmetricKeys: [AsymmetricJwtKey.Parse(Es256), AsymmetricJwtKey.Parse(Rs256)]);
}

public sealed class SigningKeysTests(SigningKeysFixture fixture) : IClassFixture<SigningKeysFixture>
{
    private static JsonElement Header(string jwt) =>
        JsonDocument.Parse(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.DecodeBytes(jwt.Split('.')[0])).RootElement.Clone();

    [Fact]
    public async Task Sessions_are_signed_with_the_first_key_and_verified_by_kid()
    {
        var email = AuthHostFixture.NewEmail();
        var session = await fixture.SignUpAsync(email);
        var access = session.GetProperty("access_token").GetString()!;
        var header = Header(access);
        Assert.Equal("ES256", header.GetProperty("alg").GetString());
        Assert.Equal("es-current", header.GetProperty("kid").GetString());
        Assert.Equal(200, (await fixture.SendAsync(HttpMethod.Get, "/user", bearer: access)).Status);

        var (status, refreshed, _) = await fixture.PostAsync("/token?grant_type=refresh_token", new { refresh_token = session.GetProperty("refresh_token").GetString() });
        Assert.Equal(200, status);
        Assert.Equal("es-current", Header(refreshed.GetProperty("access_token").GetString()!).GetProperty("kid").GetString());

        // A token from the previous (RS256) key still verifies; HS256 service_role tokens keep working.
        var sub = AuthHostFixture.Claims(access).GetProperty("sub").GetString()!;
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var old = SigningKeysFixture.Previous.SignAccessToken($"{{\"sub\":\"{sub}\",\"role\":\"authenticated\",\"aud\":\"authenticated\",\"exp\":{now + 600}}}");
        Assert.Equal("RS256", Header(old).GetProperty("alg").GetString());
        Assert.Equal(200, (await fixture.SendAsync(HttpMethod.Get, "/user", bearer: old)).Status);
        Assert.Equal(200, (await fixture.SendAsync(HttpMethod.Get, "/admin/users", bearer: AuthHostFixture.ServiceRole)).Status);
    }

    [Fact]
    public async Task A_token_signed_by_an_unknown_key_is_bad_jwt()
    {
        var session = await fixture.SignUpAsync(AuthHostFixture.NewEmail());
        var sub = AuthHostFixture.Claims(session.GetProperty("access_token").GetString()!).GetProperty("sub").GetString()!;
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var payload = $"{{\"sub\":\"{sub}\",\"role\":\"authenticated\",\"aud\":\"authenticated\",\"exp\":{now + 600}}}";
        var stranger = new JwtKeys(TestTokens.Secret, asymmetricKeys: [AsymmetricJwtKey.Parse(JsonDocument.Parse(AsymmetricJwtKey.Generate("ES256", "unknown").ToJsonString()).RootElement)]);
        var impostor = new JwtKeys(TestTokens.Secret, asymmetricKeys: [AsymmetricJwtKey.Parse(JsonDocument.Parse(AsymmetricJwtKey.Generate("ES256", "es-current").ToJsonString()).RootElement)]);
        foreach (var token in new[] { stranger.SignAccessToken(payload), impostor.SignAccessToken(payload) })
        {
            var (status, body, _) = await fixture.SendAsync(HttpMethod.Get, "/user", bearer: token);
            Assert.Equal((403, "bad_jwt"), (status, body.GetProperty("code").GetString()));
        }
    }

    [Fact]
    public async Task Jwks_publishes_the_public_parts_of_every_key()
    {
        var (status, body, response) = await fixture.SendAsync(HttpMethod.Get, "/.well-known/jwks.json");
        Assert.Equal(200, status);
        Assert.Equal("public, max-age=600", response.Headers.CacheControl?.ToString());
        var keys = body.GetProperty("keys").EnumerateArray().ToList();
        Assert.Equal(["es-current", "rs-previous"], keys.Select(k => k.GetProperty("kid").GetString()));
        Assert.Equal(["ES256", "RS256"], keys.Select(k => k.GetProperty("alg").GetString()));
        foreach (var k in keys)
        {
            Assert.False(k.TryGetProperty("d", out _));
            Assert.False(k.TryGetProperty("p", out _));
            Assert.Equal("[\"verify\"]", k.GetProperty("key_ops").GetRawText());
        }
        Assert.Equal(SigningKeysFixture.Es256.GetProperty("x").GetString(), keys[0].GetProperty("x").GetString());
        Assert.Equal(SigningKeysFixture.Rs256.GetProperty("n").GetString(), keys[1].GetProperty("n").GetString());
    }
}
