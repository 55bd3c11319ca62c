using System.Text.RegularExpressions;
using Supacs.Auth.Tests.Infrastructure;

namespace Supacs.Auth.Tests.Endpoints;

public sealed class ReauthFixture : AuthHostFixture
{
    public SmtpSink Smtp { get; } = new();

    protected override string ConfigToml => $$$"""
        [auth.email]
        secure_password_change = true
        max_frequency = "0s"
        [auth.email.smtp]
        host = "127.0.0.1"
        port = {{{Smtp.Port}}}
        """;

    protected override async Task DisposeExtrasAsync() => await Smtp.DisposeAsync();
}

public sealed partial class ReauthenticationTests(ReauthFixture fixture) : IClassFixture<ReauthFixture>
{
    [Fact]
    public async Task Password_change_needs_the_emailed_nonce()
    {
        var email = AuthHostFixture.NewEmail();
        var access = (await fixture.SignUpAsync(email)).GetProperty("access_token").GetString();
        var (s1, e1, _) = await fixture.SendAsync(HttpMethod.Put, "/user", new { password = "new-password-1" }, bearer: access);
        Assert.Equal((400, "reauthentication_needed"), (s1, e1.GetProperty("code").GetString()));
        Assert.Equal(200, (await fixture.SendAsync(HttpMethod.Get, "/reauthenticate", bearer: access)).Status);
        var nonce = Code().Match((await fixture.Smtp.NextAsync(email)).HtmlBody ?? "").Groups[1].Value;
        var (s2, e2, _) = await fixture.SendAsync(HttpMethod.Put, "/user", new { password = "new-password-1", nonce = "000000" == nonce ? "111111" : "000000" }, bearer: access);
        Assert.Equal((400, "reauthentication_not_valid"), (s2, e2.GetProperty("code").GetString()));
        Assert.Equal(200, (await fixture.SendAsync(HttpMethod.Put, "/user", new { password = "new-password-1", nonce }, bearer: access)).Status);
        Assert.Equal(200, (await fixture.PostAsync("/token?grant_type=password", new { email, password = "new-password-1" })).Status);
    }

    [GeneratedRegex(@"code: (\d{6})")]
    private static partial Regex Code();
}
