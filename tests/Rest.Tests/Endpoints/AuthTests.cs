using System.Text.Json;
using Supacs.Testing;

namespace Supacs.Rest.Tests.Endpoints;

/// <summary>JWT handling and RLS: anon, two users and service_role against the same policies.</summary>
public sealed class AuthTests(RestFixture fx) : IClassFixture<RestFixture>
{
    private static JsonElement Json(string body) => JsonDocument.Parse(body).RootElement.Clone();

    private static string[] Bodies(string body) => Json(body).EnumerateArray().Select(e => e.GetProperty("body").GetString()!).Order().ToArray();

    [Fact]
    public async Task Rls_reads_per_role()
    {
        var (_, body, _) = await fx.GetAsync("/notes?select=body");
        Assert.Equal(["public:hello"], Bodies(body));
        (_, body, _) = await fx.GetAsync("/notes?select=body", RestFixture.UserToken(RestFixture.Alice));
        Assert.Equal(["alice secret"], Bodies(body));
        (_, body, _) = await fx.GetAsync("/notes?select=body", RestFixture.UserToken(RestFixture.Bob));
        Assert.Equal(["bob secret", "public:hello"], Bodies(body));
        (_, body, _) = await fx.GetAsync("/notes?select=body", RestFixture.ServiceToken);
        Assert.Equal(3, Bodies(body).Length);
    }

    [Fact]
    public async Task Rls_writes_per_role()
    {
        var (status, body, _) = await fx.SendAsync(HttpMethod.Post, "/notes?select=body", """{"body":"mine"}""", RestFixture.UserToken(RestFixture.Alice), "Prefer: return=representation");
        Assert.Equal(201, status);
        (status, body, _) = await fx.SendAsync(HttpMethod.Post, "/notes", $$"""{"body":"forged","owner":"{{RestFixture.Alice}}"}""", RestFixture.UserToken(RestFixture.Bob));
        Assert.Equal(403, status);
        Assert.Equal("42501", Json(body).GetProperty("code").GetString());
        (status, _, _) = await fx.SendAsync(HttpMethod.Post, "/notes", """{"body":"anon"}""");
        Assert.Equal(401, status);
        (status, body, _) = await fx.SendAsync(HttpMethod.Patch, "/notes?body=eq.mine&select=body", """{"body":"stolen"}""", RestFixture.UserToken(RestFixture.Bob), "Prefer: return=representation");
        Assert.Equal(200, status);
        Assert.Equal("[]", body);
        (status, _, _) = await fx.SendAsync(HttpMethod.Delete, "/notes?body=eq.mine", null, RestFixture.ServiceToken);
        Assert.Equal(204, status);
        Assert.Equal(0L, await fx.Database.ScalarAsync<long>("SELECT count(*) FROM notes WHERE body IN ('mine', 'stolen')"));
    }

    [Fact]
    public async Task Rpc_sees_role_and_claims()
    {
        var (_, body, _) = await fx.SendAsync(HttpMethod.Post, "/rpc/whoami", "{}", RestFixture.UserToken(RestFixture.Bob));
        Assert.Equal($"\"authenticated:{RestFixture.Bob}\"", body);
        (_, body, _) = await fx.SendAsync(HttpMethod.Post, "/rpc/whoami", "{}");
        Assert.Equal("\"anon:\"", body);
    }

    [Fact]
    public async Task Invalid_and_expired_jwt_are_401_PGRST301()
    {
        var (status, body, response) = await fx.GetAsync("/users", "not-a-jwt");
        Assert.Equal(401, status);
        Assert.Equal("PGRST301", Json(body).GetProperty("code").GetString());
        Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString());
        var expired = TestTokens.For("x", extra: new Dictionary<string, object> { ["exp"] = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds() });
        (status, body, _) = await fx.GetAsync("/users", expired);
        Assert.Equal(401, status);
        Assert.Equal("JWT expired", Json(body).GetProperty("message").GetString());
        var forged = TestTokens.For("x", keys: new Supacs.Core.Keys.JwtKeys("another-secret-that-is-at-least-32-chars-long"));
        (status, _, _) = await fx.GetAsync("/users", forged);
        Assert.Equal(401, status);
    }

    [Fact]
    public async Task Iat_in_the_future_beyond_the_skew_is_401_PGRST301()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var future = TestTokens.For("x", extra: new Dictionary<string, object> { ["iat"] = now + 120 });
        var (status, body, _) = await fx.GetAsync("/users", future);
        Assert.Equal(401, status);
        Assert.Equal("PGRST301", Json(body).GetProperty("code").GetString());
        Assert.Equal("JWT issued at future", Json(body).GetProperty("message").GetString());
        var withinSkew = TestTokens.For("x", extra: new Dictionary<string, object> { ["iat"] = now + 10 });
        (status, _, _) = await fx.GetAsync("/users", withinSkew);
        Assert.Equal(200, status);
    }

    [Fact]
    public async Task Unknown_profile_is_406()
    {
        var (status, body, _) = await fx.GetAsync("/users", null, "Accept-Profile: secret");
        Assert.Equal(406, status);
        Assert.Equal("PGRST106", Json(body).GetProperty("code").GetString());
    }
}
