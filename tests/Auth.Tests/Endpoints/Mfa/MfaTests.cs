using Supacs.Auth.Mfa;
using Supacs.Auth.Tests.Infrastructure;

namespace Supacs.Auth.Tests.Endpoints.Mfa;

public sealed class MfaTests(AuthHostFixture fixture) : IClassFixture<AuthHostFixture>
{
    [Fact]
    public async Task Totp_enroll_challenge_verify_raises_the_session_to_aal2()
    {
        var session = await fixture.SignUpAsync(AuthHostFixture.NewEmail());
        var access = session.GetProperty("access_token").GetString()!;
        var sid = AuthHostFixture.Claims(access).GetProperty("session_id").GetString();

        var (s1, enrolled, _) = await fixture.PostAsync("/factors", new { factor_type = "totp", friendly_name = "phone app" }, access);
        Assert.Equal(200, s1);
        var factorId = enrolled.GetProperty("id").GetString();
        var secret = enrolled.GetProperty("totp").GetProperty("secret").GetString()!;
        Assert.StartsWith("<svg", enrolled.GetProperty("totp").GetProperty("qr_code").GetString()!.TrimStart()[..4]);
        Assert.StartsWith("otpauth://totp/", enrolled.GetProperty("totp").GetProperty("uri").GetString());
        var (dupName, e0, _) = await fixture.PostAsync("/factors", new { factor_type = "totp", friendly_name = "phone app" }, access);
        Assert.Equal((422, "mfa_factor_name_conflict"), (dupName, e0.GetProperty("code").GetString()));

        var (s2, challenge, _) = await fixture.PostAsync($"/factors/{factorId}/challenge", null, access);
        Assert.Equal(200, s2);
        var challengeId = challenge.GetProperty("id").GetString();
        var (bad, e1, _) = await fixture.PostAsync($"/factors/{factorId}/verify", new { challenge_id = challengeId, code = "12345x" }, access);
        Assert.Equal((422, "mfa_verification_failed"), (bad, e1.GetProperty("code").GetString()));

        var (s3, stepped, _) = await fixture.PostAsync($"/factors/{factorId}/verify", new { challenge_id = challengeId, code = Totp.Compute(secret) }, access);
        Assert.Equal(200, s3);
        var claims = AuthHostFixture.Claims(stepped.GetProperty("access_token").GetString()!);
        Assert.Equal("aal2", claims.GetProperty("aal").GetString());
        Assert.Equal(sid, claims.GetProperty("session_id").GetString());
        Assert.Equal("totp,password", string.Join(",", claims.GetProperty("amr").EnumerateArray().Select(a => a.GetProperty("method").GetString())));
        Assert.Equal("verified", stepped.GetProperty("user").GetProperty("factors")[0].GetProperty("status").GetString());

        // A used challenge cannot be replayed.
        var (replay, e2, _) = await fixture.PostAsync($"/factors/{factorId}/verify", new { challenge_id = challengeId, code = Totp.Compute(secret) }, access);
        Assert.Equal((422, "mfa_challenge_expired"), (replay, e2.GetProperty("code").GetString()));

        // Another (aal1) session may not remove the verified factor, nor enroll another; the aal2 one may.
        var email = stepped.GetProperty("user").GetProperty("email").GetString();
        var other = (await fixture.PostAsync("/token?grant_type=password", new { email, password = "password123" })).Body.GetProperty("access_token").GetString();
        Assert.Equal("aal1", AuthHostFixture.Claims(other!).GetProperty("aal").GetString());
        var (enroll2, e4, _) = await fixture.PostAsync("/factors", new { factor_type = "totp" }, other);
        Assert.Equal((422, "insufficient_aal"), (enroll2, e4.GetProperty("code").GetString()));
        var (aal1, e3, _) = await fixture.SendAsync(HttpMethod.Delete, $"/factors/{factorId}", bearer: other);
        Assert.Equal((422, "insufficient_aal"), (aal1, e3.GetProperty("code").GetString()));
        var (s4, removed, _) = await fixture.SendAsync(HttpMethod.Delete, $"/factors/{factorId}", bearer: stepped.GetProperty("access_token").GetString());
        Assert.Equal(200, s4);
        Assert.Equal(factorId, removed.GetProperty("id").GetString());

        // Each factor step is in the audit log (log_type factor), as GoTrue records them.
        var userId = stepped.GetProperty("user").GetProperty("id").GetString();
        var logged = await fixture.Database.ScalarAsync<string>(
            $"SELECT string_agg(payload->>'action', ',' ORDER BY created_at, payload->>'action') FROM auth.audit_log_entries WHERE payload->>'actor_id' = '{userId}' AND payload->>'log_type' = 'factor' AND payload->'traits'->>'factor_id' = '{factorId}'");
        Assert.Equal(["challenge_created", "factor_in_progress", "factor_unenrolled", "verification_attempted"], logged!.Split(',').Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Jwks_is_empty_for_hs256()
    {
        var (status, body, response) = await fixture.SendAsync(HttpMethod.Get, "/.well-known/jwks.json");
        Assert.Equal(200, status);
        Assert.Equal(0, body.GetProperty("keys").GetArrayLength());
        Assert.Contains("max-age=600", response.Headers.CacheControl!.ToString());
    }
}
