using System.Text;
using System.Text.Json;
using Supacs.Core.Keys;
using Supacs.Testing;

namespace Supacs.Core.Tests.Keys;

public sealed class JwtKeysTests
{
    private static string B64(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [Fact]
    public void Api_keys_are_a_pure_function_of_the_secret()
    {
        var a = new JwtKeys(TestTokens.Secret);
        var b = new JwtKeys(TestTokens.Secret);
        Assert.Equal(a.AnonKey, b.AnonKey);
        Assert.Equal(a.ServiceRoleKey, b.ServiceRoleKey);
        Assert.NotEqual(a.AnonKey, new JwtKeys(TestTokens.Secret + "x").AnonKey);
    }

    [Fact]
    public async Task Api_keys_carry_their_role()
    {
        var keys = new JwtKeys(TestTokens.Secret);
        var anon = await keys.ValidateAsync(keys.AnonKey);
        var service = await keys.ValidateAsync(keys.ServiceRoleKey);
        Assert.Equal("anon", anon.Claims.GetProperty("role").GetString());
        Assert.Equal("service_role", service.Claims.GetProperty("role").GetString());
    }

    [Fact]
    public void New_format_keys_are_derived_from_the_secret_and_distinct()
    {
        var a = new JwtKeys(TestTokens.Secret);
        Assert.Matches("^sb_publishable_[A-Za-z0-9]{32}$", a.PublishableKey);
        Assert.Matches("^sb_secret_[A-Za-z0-9]{32}$", a.SecretKey);
        Assert.Equal(a.PublishableKey, new JwtKeys(TestTokens.Secret).PublishableKey);
        Assert.NotEqual(a.PublishableKey[15..], a.SecretKey[10..]);
        Assert.NotEqual(a.SecretKey, new JwtKeys(TestTokens.Secret + "x").SecretKey);
    }

    [Fact]
    public void Short_secrets_are_refused() => Assert.Throws<ArgumentException>(() => new JwtKeys("too-short"));

    [Fact]
    public async Task Expired_tokens_are_refused_beyond_the_skew()
    {
        var keys = TestTokens.Keys;
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var expired = keys.SignPayload(JsonSerializer.Serialize(new { role = "authenticated", exp = now - 120 }));
        var withinSkew = keys.SignPayload(JsonSerializer.Serialize(new { role = "authenticated", exp = now - 5 }));
        Assert.Equal(JwtFailure.Expired, (await keys.ValidateAsync(expired)).Failure);
        Assert.True((await keys.ValidateAsync(withinSkew)).IsValid);
    }

    [Fact]
    public async Task Tokens_signed_with_another_secret_or_alg_none_are_refused()
    {
        var other = new JwtKeys(TestTokens.Secret + "-other");
        var forged = other.SignPayload("{\"role\":\"service_role\"}");
        Assert.Equal(JwtFailure.InvalidSignature, (await TestTokens.Keys.ValidateAsync(forged)).Failure);

        var none = B64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + B64("{\"role\":\"service_role\"}") + ".";
        Assert.False((await TestTokens.Keys.ValidateAsync(none)).IsValid);
        Assert.False((await TestTokens.Keys.ValidateAsync("garbage")).IsValid);
    }

    [Fact]
    public async Task Payload_is_returned_as_sent()
    {
        var token = TestTokens.Keys.SignPayload("{\"sub\":\"abc\",\"role\":\"authenticated\",\"app_metadata\":{\"tier\":2}}");
        var result = await TestTokens.Keys.ValidateAsync(token);
        Assert.True(result.IsValid);
        Assert.Equal(2, result.Claims.GetProperty("app_metadata").GetProperty("tier").GetInt32());
        Assert.Contains("\"sub\":\"abc\"", result.ClaimsJson, StringComparison.Ordinal);
    }
}
