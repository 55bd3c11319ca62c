using Supacs.Auth.Tests.Infrastructure;

namespace Supacs.Auth.Tests.Endpoints;

public sealed class AdminAuditTests(AuthHostFixture fixture) : IClassFixture<AuthHostFixture>
{
    [Fact]
    public async Task Audit_entries_are_listed_newest_first_filtered_and_paged()
    {
        var email = AuthHostFixture.NewEmail();
        await fixture.SignUpAsync(email);
        Assert.Equal(200, (await fixture.PostAsync("/token?grant_type=password", new { email, password = "password123" })).Status);

        var (status, entries, response) = await fixture.SendAsync(HttpMethod.Get, "/admin/audit?query=author:" + email, bearer: AuthHostFixture.ServiceRole);
        Assert.Equal(200, status);
        var actions = entries.EnumerateArray().Select(e => e.GetProperty("payload").GetProperty("action").GetString()).ToList();
        // Sign-up with autoconfirm logs user_signedup and login (same transaction), then the password sign-in logs login.
        Assert.Equal("login", actions[0]);
        Assert.Equal(["login", "login", "user_signedup"], actions.Order(StringComparer.Ordinal));
        var newest = entries[0];
        Assert.Equal(email, newest.GetProperty("payload").GetProperty("actor_username").GetString());
        Assert.True(newest.TryGetProperty("ip_address", out _));
        Assert.True(DateTime.Parse(newest.GetProperty("created_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture) > DateTime.UtcNow.AddMinutes(-5));
        Assert.Equal(actions.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), response.Headers.GetValues("X-Total-Count").Single());

        var (s2, page, r2) = await fixture.SendAsync(HttpMethod.Get, "/admin/audit?query=action:login&per_page=1", bearer: AuthHostFixture.ServiceRole);
        Assert.Equal(200, s2);
        Assert.Equal(1, page.GetArrayLength());
        Assert.Equal("login", page[0].GetProperty("payload").GetProperty("action").GetString());
        Assert.Contains("rel=\"last\"", r2.Headers.GetValues("Link").Single(), StringComparison.Ordinal);

        var (bad, e, _) = await fixture.SendAsync(HttpMethod.Get, "/admin/audit?query=colour:blue", bearer: AuthHostFixture.ServiceRole);
        Assert.Equal((400, "validation_failed"), (bad, e.GetProperty("code").GetString()));
        var (anon, _, _) = await fixture.SendAsync(HttpMethod.Get, "/admin/audit", bearer: Supacs.Testing.TestTokens.For(null, "anon"));
        Assert.Equal(403, anon);
    }
}
