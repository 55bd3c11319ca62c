using Supacs.Auth.Tests.Infrastructure;

namespace Supacs.Auth.Tests.Endpoints;

public sealed class TokenFixture : AuthHostFixture
{
    protected override string ConfigToml => """
        [auth]
        refresh_token_reuse_interval = 2
        [auth.sessions]
        timebox = "24h"
        inactivity_timeout = "8h"
        """;

    protected override IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string> { ["GOTRUE_SESSIONS_SINGLE_PER_USER"] = "true" };
}

public sealed class TokenTests(TokenFixture fixture) : IClassFixture<TokenFixture>
{
    [Fact]
    public async Task Password_grant_signs_in_and_rejects_wrong_or_unknown_credentials()
    {
        var email = AuthHostFixture.NewEmail();
        await fixture.SignUpAsync(email, "correct-horse");
        var (ok, session, _) = await fixture.PostAsync("/token?grant_type=password", new { email, password = "correct-horse" });
        Assert.Equal(200, ok);
        Assert.Equal(email, session.GetProperty("user").GetProperty("email").GetString());
        Assert.True(session.GetProperty("user").TryGetProperty("last_sign_in_at", out _));

        foreach (var body in new object[] { new { email, password = "wrong-horse" }, new { email = "nobody@example.com", password = "correct-horse" } })
        {
            var (status, err, _) = await fixture.PostAsync("/token?grant_type=password", body);
            Assert.Equal(400, status);
            Assert.Equal("invalid_credentials", err.GetProperty("code").GetString());
            Assert.Equal("Invalid login credentials", err.GetProperty("message").GetString());
        }
        Assert.Equal(2L, await fixture.Database.ScalarAsync<long>(
            $"SELECT count(*) FROM auth.audit_log_entries WHERE payload->>'actor_username' = '{email}' AND payload->>'action' = 'login' AND payload->>'log_type' = 'account'"));
        Assert.Equal(1L, await fixture.Database.ScalarAsync<long>(
            $"SELECT count(*) FROM auth.audit_log_entries WHERE payload->>'actor_username' = '{email}' AND payload->>'action' = 'user_signedup'"));
        var (s, unsupported, _) = await fixture.PostAsync("/token?grant_type=magic", new { });
        Assert.Equal((400, "invalid_credentials"), (s, unsupported.GetProperty("code").GetString()));
    }

    [Fact]
    public async Task Banned_user_cannot_sign_in()
    {
        var email = AuthHostFixture.NewEmail();
        await fixture.SignUpAsync(email);
        await fixture.Database.ExecuteAsync($"UPDATE auth.users SET banned_until = now() + interval '1 hour' WHERE email = '{email}'");
        var (status, err, _) = await fixture.PostAsync("/token?grant_type=password", new { email, password = "password123" });
        Assert.Equal((400, "user_banned"), (status, err.GetProperty("code").GetString()));
    }

    [Fact]
    public async Task Refresh_rotates_with_parent_tracking_and_keeps_the_session()
    {
        var session = await fixture.SignUpAsync(AuthHostFixture.NewEmail());
        var first = session.GetProperty("refresh_token").GetString()!;
        var sid = AuthHostFixture.Claims(session.GetProperty("access_token").GetString()!).GetProperty("session_id").GetString();

        var (status, refreshed, _) = await fixture.PostAsync("/token?grant_type=refresh_token", new { refresh_token = first });
        Assert.Equal(200, status);
        var second = refreshed.GetProperty("refresh_token").GetString()!;
        Assert.NotEqual(first, second);
        Assert.Equal(sid, AuthHostFixture.Claims(refreshed.GetProperty("access_token").GetString()!).GetProperty("session_id").GetString());
        Assert.Equal(first, await fixture.Database.ScalarAsync<string>($"SELECT parent FROM auth.refresh_tokens WHERE token = '{second}'"));
        Assert.True(await fixture.Database.ScalarAsync<bool>($"SELECT revoked FROM auth.refresh_tokens WHERE token = '{first}'"));

        // The revoked parent of the active token gives the active token back (two tabs refreshing at once).
        var (again, same, _) = await fixture.PostAsync("/token?grant_type=refresh_token", new { refresh_token = first });
        Assert.Equal(200, again);
        Assert.Equal(second, same.GetProperty("refresh_token").GetString());
    }

    [Fact]
    public async Task Reuse_outside_the_interval_revokes_the_session()
    {
        var session = await fixture.SignUpAsync(AuthHostFixture.NewEmail());
        var first = session.GetProperty("refresh_token").GetString()!;
        var access = session.GetProperty("access_token").GetString()!;
        var (_, r1, _) = await fixture.PostAsync("/token?grant_type=refresh_token", new { refresh_token = first });
        var second = r1.GetProperty("refresh_token").GetString()!;
        await fixture.PostAsync("/token?grant_type=refresh_token", new { refresh_token = second });
        // `second` is now revoked and not the parent of... it is: age it past the reuse interval and reuse `first`.
        await fixture.Database.ExecuteAsync($"UPDATE auth.refresh_tokens SET updated_at = now() - interval '1 minute' WHERE token = '{first}'");
        var (status, err, _) = await fixture.PostAsync("/token?grant_type=refresh_token", new { refresh_token = first });
        Assert.Equal(400, status);
        Assert.Equal("refresh_token_already_used", err.GetProperty("code").GetString());
        var (gone, _, _) = await fixture.SendAsync(HttpMethod.Get, "/user", bearer: access);
        Assert.Equal(403, gone);
    }

    [Fact]
    public async Task Sessions_end_at_the_timebox_after_inactivity_and_on_a_new_sign_in()
    {
        var email = AuthHostFixture.NewEmail();
        var first = await fixture.SignUpAsync(email);
        var sid = AuthHostFixture.Claims(first.GetProperty("access_token").GetString()!).GetProperty("session_id").GetString();
        var hours = await fixture.Database.ScalarAsync<double>($"SELECT (extract(epoch FROM not_after - created_at) / 3600)::float8 FROM auth.sessions WHERE id = '{sid}'");
        Assert.Equal(24, hours, 3);

        await fixture.Database.ExecuteAsync($"UPDATE auth.sessions SET created_at = now() - interval '9 hours', refreshed_at = NULL WHERE id = '{sid}'");
        var (s1, e1, _) = await fixture.PostAsync("/token?grant_type=refresh_token", new { refresh_token = first.GetProperty("refresh_token").GetString() });
        Assert.Equal((400, "session_expired"), (s1, e1.GetProperty("code").GetString()));
        await fixture.Database.ExecuteAsync($"UPDATE auth.sessions SET created_at = now(), not_after = now() - interval '1 second' WHERE id = '{sid}'");
        var (s2, e2, _) = await fixture.PostAsync("/token?grant_type=refresh_token", new { refresh_token = first.GetProperty("refresh_token").GetString() });
        Assert.Equal((400, "session_expired"), (s2, e2.GetProperty("code").GetString()));

        // Single session per user: signing in again ends the first session.
        var (ok, second, _) = await fixture.PostAsync("/token?grant_type=password", new { email, password = "password123" });
        Assert.Equal(200, ok);
        Assert.Equal(0L, await fixture.Database.ScalarAsync<long>($"SELECT count(*) FROM auth.sessions WHERE id = '{sid}'"));
        Assert.Equal(200, (await fixture.SendAsync(HttpMethod.Get, "/user", bearer: second.GetProperty("access_token").GetString())).Status);
    }

    [Fact]
    public async Task Refresh_errors()
    {
        var (s1, e1, _) = await fixture.PostAsync("/token?grant_type=refresh_token", new { refresh_token = "doesnotexist" });
        Assert.Equal((400, "refresh_token_not_found"), (s1, e1.GetProperty("code").GetString()));
        var (s2, e2, _) = await fixture.PostAsync("/token?grant_type=refresh_token", new { });
        Assert.Equal(400, s2);
        Assert.Equal("invalid_request", e2.GetProperty("error").GetString());
    }
}
