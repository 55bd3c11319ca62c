using Supacs.Auth.Tests.Infrastructure;
using Supacs.Testing;

namespace Supacs.Auth.Tests.Endpoints;

public sealed class AdminUsersTests(AuthHostFixture fixture) : IClassFixture<AuthHostFixture>
{
    private static readonly string Admin = AuthHostFixture.ServiceRole;

    [Fact]
    public async Task Crud_with_paging_headers()
    {
        var emails = Enumerable.Range(0, 3).Select(_ => AuthHostFixture.NewEmail()).ToList();
        string? id = null;
        foreach (var email in emails)
        {
            var (s, user, _) = await fixture.PostAsync("/admin/users", new { email, password = "password123", email_confirm = true, user_metadata = new { n = 1 }, app_metadata = new { tier = "gold" } }, Admin);
            Assert.Equal(200, s);
            Assert.True(user.TryGetProperty("email_confirmed_at", out _));
            Assert.Equal("gold", user.GetProperty("app_metadata").GetProperty("tier").GetString());
            Assert.Equal("email", user.GetProperty("app_metadata").GetProperty("provider").GetString());
            id = user.GetProperty("id").GetString();
        }
        var (dup, e1, _) = await fixture.PostAsync("/admin/users", new { email = emails[0] }, Admin);
        Assert.Equal((422, "email_exists"), (dup, e1.GetProperty("code").GetString()));

        var (ls, list, response) = await fixture.SendAsync(HttpMethod.Get, "/admin/users?page=1&per_page=2", bearer: Admin);
        Assert.Equal(200, ls);
        Assert.Equal(2, list.GetProperty("users").GetArrayLength());
        Assert.Equal("authenticated", list.GetProperty("aud").GetString());
        var total = int.Parse(response.Headers.GetValues("X-Total-Count").Single());
        Assert.True(total >= 3);
        var link = response.Headers.GetValues("Link").Single();
        Assert.Contains("rel=\"next\"", link);
        Assert.Contains("rel=\"last\"", link);

        var (gs, got, _) = await fixture.SendAsync(HttpMethod.Get, "/admin/users/" + id, bearer: Admin);
        Assert.Equal(200, gs);
        Assert.Equal(emails[2], got.GetProperty("email").GetString());

        var (us, updated, _) = await fixture.SendAsync(HttpMethod.Put, "/admin/users/" + id, new { user_metadata = new { m = 2 }, ban_duration = "24h" }, Admin);
        Assert.Equal(200, us);
        Assert.Equal(2, updated.GetProperty("user_metadata").GetProperty("m").GetInt32());
        Assert.True(updated.TryGetProperty("banned_until", out _));
        var (signin, e2, _) = await fixture.PostAsync("/token?grant_type=password", new { email = emails[2], password = "password123" });
        Assert.Equal((400, "user_banned"), (signin, e2.GetProperty("code").GetString()));

        var (ds, deleted, _) = await fixture.SendAsync(HttpMethod.Delete, "/admin/users/" + id, bearer: Admin);
        Assert.Equal(200, ds);
        Assert.Equal("{}", deleted.GetRawText());
        var (missing, e3, _) = await fixture.SendAsync(HttpMethod.Get, "/admin/users/" + id, bearer: Admin);
        Assert.Equal((404, "user_not_found"), (missing, e3.GetProperty("code").GetString()));
    }

    [Fact]
    public async Task Non_admin_is_refused()
    {
        var session = await fixture.SignUpAsync(AuthHostFixture.NewEmail());
        var (s1, e1, _) = await fixture.SendAsync(HttpMethod.Get, "/admin/users", bearer: session.GetProperty("access_token").GetString());
        Assert.Equal((403, "not_admin"), (s1, e1.GetProperty("code").GetString()));
        var (s2, _, _) = await fixture.SendAsync(HttpMethod.Get, "/admin/users", bearer: TestTokens.For(null, "anon"));
        Assert.Equal(403, s2);
    }

    [Fact]
    public async Task Generate_link_flattens_user_and_link_fields()
    {
        var email = AuthHostFixture.NewEmail();
        var (s, body, _) = await fixture.PostAsync("/admin/generate_link", new { type = "signup", email, password = "password123" }, Admin);
        Assert.Equal(200, s);
        Assert.Equal(email, body.GetProperty("email").GetString());
        Assert.Equal("signup", body.GetProperty("verification_type").GetString());
        Assert.Equal(6, body.GetProperty("email_otp").GetString()!.Length);
        var hashed = body.GetProperty("hashed_token").GetString()!;
        Assert.Equal(56, hashed.Length);
        Assert.Contains("/auth/v1/verify?token=" + hashed + "&type=signup", body.GetProperty("action_link").GetString());
        Assert.Equal(hashed, await fixture.Database.ScalarAsync<string>($"SELECT confirmation_token FROM auth.users WHERE email = '{email}'"));
        Assert.Equal(hashed, await fixture.Database.ScalarAsync<string>(
            $"SELECT token_hash FROM auth.one_time_tokens t JOIN auth.users u ON u.id = t.user_id WHERE u.email = '{email}' AND token_type = 'confirmation_token'"));
    }
}
