using Supacs.Auth.Tests.Infrastructure;
using Supacs.Testing;

namespace Supacs.Auth.Tests.Endpoints;

public sealed class UserTests(AuthHostFixture fixture) : IClassFixture<AuthHostFixture>
{
    [Fact]
    public async Task Get_user_needs_a_live_session()
    {
        var session = await fixture.SignUpAsync(AuthHostFixture.NewEmail());
        var access = session.GetProperty("access_token").GetString()!;
        var (ok, user, _) = await fixture.SendAsync(HttpMethod.Get, "/user", bearer: access);
        Assert.Equal(200, ok);
        Assert.Equal(session.GetProperty("user").GetProperty("id").GetString(), user.GetProperty("id").GetString());

        var (none, e0, _) = await fixture.SendAsync(HttpMethod.Get, "/user");
        Assert.Equal((401, "no_authorization"), (none, e0.GetProperty("code").GetString()));
        var (forged, e1, _) = await fixture.SendAsync(HttpMethod.Get, "/user", bearer: access[..^3] + "abc");
        Assert.Equal((403, "bad_jwt"), (forged, e1.GetProperty("code").GetString()));
        var (ghost, e2, _) = await fixture.SendAsync(HttpMethod.Get, "/user", bearer: TestTokens.For(Guid.NewGuid().ToString()));
        Assert.Equal((403, "user_not_found"), (ghost, e2.GetProperty("code").GetString()));

        var (logout, _, _) = await fixture.PostAsync("/logout", null, bearer: access);
        Assert.Equal(204, logout);
        var (after, e3, _) = await fixture.SendAsync(HttpMethod.Get, "/user", bearer: access);
        Assert.Equal((403, "session_not_found"), (after, e3.GetProperty("code").GetString()));
    }

    [Fact]
    public async Task Update_merges_metadata_and_changes_password()
    {
        var email = AuthHostFixture.NewEmail();
        var session = await fixture.SignUpAsync(email, data: new { a = 1, b = 2 });
        var access = session.GetProperty("access_token").GetString()!;
        var other = (await fixture.PostAsync("/token?grant_type=password", new { email, password = "password123" })).Body.GetProperty("access_token").GetString()!;

        var (s1, updated, _) = await fixture.SendAsync(HttpMethod.Put, "/user", "{\"data\":{\"b\":null,\"c\":3}}", bearer: access);
        Assert.Equal(200, s1);
        var meta = updated.GetProperty("user_metadata");
        Assert.Equal(1, meta.GetProperty("a").GetInt32());
        Assert.False(meta.TryGetProperty("b", out _));
        Assert.Equal(3, meta.GetProperty("c").GetInt32());

        var (same, e1, _) = await fixture.SendAsync(HttpMethod.Put, "/user", new { password = "password123" }, bearer: access);
        Assert.Equal((422, "same_password"), (same, e1.GetProperty("code").GetString()));
        var (s2, _, _) = await fixture.SendAsync(HttpMethod.Put, "/user", new { password = "new-password-1" }, bearer: access);
        Assert.Equal(200, s2);
        Assert.Equal(200, (await fixture.PostAsync("/token?grant_type=password", new { email, password = "new-password-1" })).Status);
        // The other session ended with the password change; this one lives on.
        Assert.Equal(403, (await fixture.SendAsync(HttpMethod.Get, "/user", bearer: other)).Status);
        Assert.Equal(200, (await fixture.SendAsync(HttpMethod.Get, "/user", bearer: access)).Status);

        var (forbidden, e2, _) = await fixture.SendAsync(HttpMethod.Put, "/user", new { app_metadata = new { role = "admin" } }, bearer: access);
        Assert.Equal((403, "not_admin"), (forbidden, e2.GetProperty("code").GetString()));
    }

    [Fact]
    public async Task Logout_scopes()
    {
        var email = AuthHostFixture.NewEmail();
        await fixture.SignUpAsync(email);
        async Task<string> SignIn() => (await fixture.PostAsync("/token?grant_type=password", new { email, password = "password123" })).Body.GetProperty("access_token").GetString()!;
        var a = await SignIn();
        var b = await SignIn();
        var c = await SignIn();
        Assert.Equal(204, (await fixture.PostAsync("/logout?scope=local", null, bearer: a)).Status);
        Assert.Equal(403, (await fixture.SendAsync(HttpMethod.Get, "/user", bearer: a)).Status);
        Assert.Equal(200, (await fixture.SendAsync(HttpMethod.Get, "/user", bearer: b)).Status);
        Assert.Equal(204, (await fixture.PostAsync("/logout?scope=others", null, bearer: b)).Status);
        Assert.Equal(200, (await fixture.SendAsync(HttpMethod.Get, "/user", bearer: b)).Status);
        Assert.Equal(403, (await fixture.SendAsync(HttpMethod.Get, "/user", bearer: c)).Status);
        var d = await SignIn();
        Assert.Equal(204, (await fixture.PostAsync("/logout", null, bearer: d)).Status);
        Assert.Equal(403, (await fixture.SendAsync(HttpMethod.Get, "/user", bearer: b)).Status);
        Assert.Equal(400, (await fixture.PostAsync("/logout?scope=bogus", null, bearer: d)).Status);
    }
}
