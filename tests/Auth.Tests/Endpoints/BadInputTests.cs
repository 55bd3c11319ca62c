using System.Text;
using Supacs.Auth.Tests.Infrastructure;
using Supacs.Core.Keys;
using Supacs.Testing;

namespace Supacs.Auth.Tests.Endpoints;

public sealed class BadInputTests(AuthHostFixture fixture) : IClassFixture<AuthHostFixture>
{
    private static string B64(string s) => Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(s));

    [Fact]
    public async Task Forged_expired_alg_none_and_wrong_key_jwts_are_bad_jwt()
    {
        var session = await fixture.SignUpAsync(AuthHostFixture.NewEmail());
        var claims = AuthHostFixture.Claims(session.GetProperty("access_token").GetString()!);
        var sub = claims.GetProperty("sub").GetString()!;
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var algNone = B64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + B64($"{{\"sub\":\"{sub}\",\"role\":\"authenticated\",\"exp\":{now + 3600}}}") + ".";
        var otherKey = TestTokens.For(sub, keys: new JwtKeys("another-secret-that-is-long-enough-to-sign-with-hs256"));
        var expired = TestTokens.Keys.SignPayload($"{{\"sub\":\"{sub}\",\"role\":\"authenticated\",\"iat\":{now - 7200},\"exp\":{now - 3600}}}");
        foreach (var token in new[] { algNone, otherKey, expired, "not.a.jwt", "x" })
        {
            var (status, body, _) = await fixture.SendAsync(HttpMethod.Get, "/user", bearer: token);
            Assert.Equal(403, status);
            Assert.Equal("bad_jwt", body.GetProperty("code").GetString());
        }
        // A JWT without session_id (e.g. minted by hand) still needs its user to exist.
        Assert.Equal(200, (await fixture.SendAsync(HttpMethod.Get, "/user", bearer: TestTokens.For(sub))).Status);
        Assert.Equal(403, (await fixture.SendAsync(HttpMethod.Get, "/user", bearer: TestTokens.For(null, "anon"))).Status);
    }

    [Fact]
    public async Task Oversized_and_non_object_bodies_are_refused_without_writes()
    {
        var before = await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM auth.users");
        var big = "{\"email\":\"big@example.com\",\"password\":\"password123\",\"data\":{\"x\":\"" + new string('a', 1_100_000) + "\"}}";
        var (s1, b1, _) = await fixture.PostAsync("/signup", big);
        Assert.Equal(413, s1);
        Assert.Equal("request_entity_too_large", b1.GetProperty("code").GetString());
        var (s2, b2, _) = await fixture.PostAsync("/signup", "[1,2,3]");
        Assert.Equal((400, "bad_json"), (s2, b2.GetProperty("code").GetString()));
        var (s3, b3, _) = await fixture.PostAsync("/token?grant_type=password", "{\"email\": 5}");
        Assert.Equal((400, "validation_failed"), (s3, b3.GetProperty("code").GetString()));
        Assert.Equal(before, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM auth.users"));
    }

    [Fact]
    public async Task Sql_ish_metadata_is_stored_verbatim()
    {
        const string nasty = "'); DROP TABLE auth.users; --";
        var session = await fixture.SignUpAsync(AuthHostFixture.NewEmail(), data: new { name = nasty });
        Assert.Equal(nasty, session.GetProperty("user").GetProperty("user_metadata").GetProperty("name").GetString());
        var id = session.GetProperty("user").GetProperty("id").GetString();
        Assert.Equal(nasty, await fixture.Database.ScalarAsync<string>($"SELECT raw_user_meta_data->>'name' FROM auth.users WHERE id = '{id}'"));
        var (status, body, _) = await fixture.PostAsync("/token?grant_type=password", new { email = "' OR 1=1 --@example.com", password = "x" });
        Assert.Equal((400, "invalid_credentials"), (status, body.GetProperty("code").GetString()));
    }
}
