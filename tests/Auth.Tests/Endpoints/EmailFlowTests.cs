using System.Text.RegularExpressions;
using System.Web;
using Supacs.Auth.Tests.Infrastructure;

namespace Supacs.Auth.Tests.Endpoints;

public sealed class EmailFlowFixture : AuthHostFixture
{
    public SmtpSink Smtp { get; } = new();

    protected override string ConfigToml => $$$"""
        [auth]
        site_url = "http://localhost:3000"
        additional_redirect_urls = ["https://app.example.com/**"]
        [auth.email]
        enable_confirmations = true
        max_frequency = "0s"
        [auth.email.smtp]
        host = "127.0.0.1"
        port = {{{Smtp.Port}}}
        admin_email = "noreply@example.com"
        sender_name = "Supacs"
        [auth.email.template.recovery]
        subject = "Reset it, {{ .Email }}"
        """;

    protected override async Task DisposeExtrasAsync() => await Smtp.DisposeAsync();
}

public sealed partial class EmailFlowTests(EmailFlowFixture fixture) : IClassFixture<EmailFlowFixture>
{
    private static string LinkOf(MimeKit.MimeMessage m) => HttpUtility.HtmlDecode(LinkPattern().Match(m.HtmlBody ?? "").Groups[1].Value);
    private static string OtpOf(MimeKit.MimeMessage m) => OtpPattern().Match(m.HtmlBody ?? "").Groups[1].Value;

    private async Task<HttpResponseMessage> FollowAsync(string link)
    {
        var uri = new Uri(link);
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = fixture.Host.BaseAddress };
        return await client.GetAsync(uri.PathAndQuery);
    }

    [Fact]
    public async Task Signup_with_confirmations_sends_mail_and_the_link_signs_in()
    {
        var email = AuthHostFixture.NewEmail();
        var (status, user, _) = await fixture.PostAsync("/signup?redirect_to=https://app.example.com/welcome", new { email, password = "password123" });
        Assert.Equal(200, status);
        Assert.False(user.TryGetProperty("access_token", out _));
        Assert.True(user.TryGetProperty("confirmation_sent_at", out _));
        Assert.False(user.TryGetProperty("email_confirmed_at", out _));

        var (notYet, e1, _) = await fixture.PostAsync("/token?grant_type=password", new { email, password = "password123" });
        Assert.Equal((400, "email_not_confirmed"), (notYet, e1.GetProperty("code").GetString()));

        var mail = await fixture.Smtp.NextAsync(email);
        Assert.Equal("Confirm Your Signup", mail.Subject);
        Assert.Equal("noreply@example.com", mail.From.Mailboxes.Single().Address);
        var response = await FollowAsync(LinkOf(mail));
        Assert.Equal(303, (int)response.StatusCode);
        var location = response.Headers.Location!.ToString();
        Assert.StartsWith("https://app.example.com/welcome#access_token=", location);
        Assert.Contains("&type=signup", location);
        Assert.Contains("&refresh_token=", location);
        Assert.Equal(200, (await fixture.PostAsync("/token?grant_type=password", new { email, password = "password123" })).Status);

        // The link is single-use.
        var again = await FollowAsync(LinkOf(mail));
        Assert.Contains("error_code=otp_expired", again.Headers.Location!.ToString());
    }

    [Fact]
    public async Task Confirmed_duplicate_gets_a_fake_user()
    {
        var email = AuthHostFixture.NewEmail();
        await fixture.PostAsync("/admin/users", new { email, password = "password123", email_confirm = true }, AuthHostFixture.ServiceRole);
        var (status, fake, _) = await fixture.PostAsync("/signup", new { email, password = "password123" });
        Assert.Equal(200, status);
        Assert.Empty(fake.GetProperty("identities").EnumerateArray());
        Assert.NotEqual(await fixture.Database.ScalarAsync<Guid>($"SELECT id FROM auth.users WHERE email = '{email}'"), Guid.Parse(fake.GetProperty("id").GetString()!));
    }

    [Fact]
    public async Task Otp_email_code_verifies_with_post_verify()
    {
        var email = AuthHostFixture.NewEmail();
        await fixture.PostAsync("/admin/users", new { email, email_confirm = true }, AuthHostFixture.ServiceRole);
        var (status, body, _) = await fixture.PostAsync("/otp", new { email });
        Assert.Equal(200, status);
        Assert.Equal("{}", body.GetRawText());
        var mail = await fixture.Smtp.NextAsync(email);
        Assert.Equal("Your Magic Link", mail.Subject);
        var otp = OtpOf(mail);
        var (bad, e1, _) = await fixture.PostAsync("/verify", new { type = "email", email, token = "000000" == otp ? "111111" : "000000" });
        Assert.Equal((403, "otp_expired"), (bad, e1.GetProperty("code").GetString()));
        var (ok, session, _) = await fixture.PostAsync("/verify", new { type = "email", email, token = otp });
        Assert.Equal(200, ok);
        Assert.Equal(email, session.GetProperty("user").GetProperty("email").GetString());
        var (replay, _, _) = await fixture.PostAsync("/verify", new { type = "email", email, token = otp });
        Assert.Equal(403, replay);

        var (disabled, e2, _) = await fixture.PostAsync("/otp", new { email = AuthHostFixture.NewEmail(), create_user = false });
        Assert.Equal((422, "otp_disabled"), (disabled, e2.GetProperty("code").GetString()));
    }

    [Fact]
    public async Task Recovery_uses_the_configured_subject_and_unknown_emails_get_the_same_answer()
    {
        var email = AuthHostFixture.NewEmail();
        await fixture.PostAsync("/admin/users", new { email, password = "password123", email_confirm = true }, AuthHostFixture.ServiceRole);
        var (s1, b1, _) = await fixture.PostAsync("/recover", new { email });
        var (s2, b2, _) = await fixture.PostAsync("/recover", new { email = AuthHostFixture.NewEmail() });
        Assert.Equal((200, "{}"), (s1, b1.GetRawText()));
        Assert.Equal((200, "{}"), (s2, b2.GetRawText()));
        var mail = await fixture.Smtp.NextAsync(email);
        Assert.Equal("Reset it, " + email, mail.Subject);
        var (ok, session, _) = await fixture.PostAsync("/verify", new { type = "recovery", token_hash = HttpUtility.ParseQueryString(new Uri(LinkOf(mail)).Query)["token"] });
        Assert.Equal(200, ok);
        var access = session.GetProperty("access_token").GetString();
        Assert.Equal(200, (await fixture.SendAsync(HttpMethod.Put, "/user", new { password = "brand-new-pass" }, bearer: access)).Status);
        Assert.Equal(200, (await fixture.PostAsync("/token?grant_type=password", new { email, password = "brand-new-pass" })).Status);
    }

    [Fact]
    public async Task Pkce_magic_link_redirects_with_a_code_exchanged_for_a_session()
    {
        var email = AuthHostFixture.NewEmail();
        await fixture.PostAsync("/admin/users", new { email, email_confirm = true }, AuthHostFixture.ServiceRole);
        var verifier = "verifier-" + Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");
        var challenge = Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(verifier)));
        await fixture.PostAsync("/otp?redirect_to=http://localhost:3000/cb", new { email, code_challenge = challenge, code_challenge_method = "s256" });
        var mail = await fixture.Smtp.NextAsync(email);
        Assert.Contains("token=pkce_", LinkOf(mail));
        var response = await FollowAsync(LinkOf(mail));
        var location = response.Headers.Location!.ToString();
        Assert.StartsWith("http://localhost:3000/cb?code=", location);
        var code = location.Split("code=")[1];
        var (badVerifier, e1, _) = await fixture.PostAsync("/token?grant_type=pkce", new { auth_code = code, code_verifier = "wrong" + verifier });
        Assert.Equal((400, "bad_code_verifier"), (badVerifier, e1.GetProperty("code").GetString()));
        var (ok, session, _) = await fixture.PostAsync("/token?grant_type=pkce", new { auth_code = code, code_verifier = verifier });
        Assert.Equal(200, ok);
        Assert.Equal(email, session.GetProperty("user").GetProperty("email").GetString());
        var (gone, e2, _) = await fixture.PostAsync("/token?grant_type=pkce", new { auth_code = code, code_verifier = verifier });
        Assert.Equal((404, "flow_state_not_found"), (gone, e2.GetProperty("code").GetString()));
    }

    [Fact]
    public async Task Invite_mails_a_link_and_secure_email_change_needs_both_confirmations()
    {
        var email = AuthHostFixture.NewEmail();
        var (s, invited, _) = await fixture.PostAsync("/invite", new { email, data = new { team = "a" } }, AuthHostFixture.ServiceRole);
        Assert.Equal(200, s);
        Assert.True(invited.TryGetProperty("invited_at", out _));
        var invite = await fixture.Smtp.NextAsync(email);
        Assert.Equal("You have been invited", invite.Subject);
        var loc = (await FollowAsync(LinkOf(invite))).Headers.Location!.ToString();
        Assert.Contains("type=invite", loc);
        var access = Regex.Match(loc, "access_token=([^&]+)").Groups[1].Value;

        var newEmail = AuthHostFixture.NewEmail();
        var (us, pending, _) = await fixture.SendAsync(HttpMethod.Put, "/user", new { email = newEmail }, bearer: access);
        Assert.Equal(200, us);
        Assert.Equal(newEmail, pending.GetProperty("new_email").GetString());
        Assert.Equal(email, pending.GetProperty("email").GetString());
        var toNew = await fixture.Smtp.NextAsync(newEmail);
        var toCurrent = await fixture.Smtp.NextAsync(email);
        var (h1, half, _) = await fixture.PostAsync("/verify", new { type = "email_change", email = newEmail, token = OtpOf(toNew) });
        Assert.Equal(200, h1);
        Assert.Equal("200", half.GetProperty("code").GetString());
        var (h2, done, _) = await fixture.PostAsync("/verify", new { type = "email_change", email, token = OtpOf(toCurrent) });
        Assert.Equal(200, h2);
        Assert.Equal(newEmail, done.GetProperty("user").GetProperty("email").GetString());
    }

    [GeneratedRegex("href=\"([^\"]+)\"")]
    private static partial Regex LinkPattern();

    [GeneratedRegex(@"code: (\d+)")]
    private static partial Regex OtpPattern();
}
