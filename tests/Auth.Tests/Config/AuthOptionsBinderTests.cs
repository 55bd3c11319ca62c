using Supacs.Auth.Config;
using Supacs.Auth.Http;
using Supacs.Core.Config;

namespace Supacs.Auth.Tests.Config;

public sealed class AuthOptionsBinderTests
{
    private static AuthOptions Bind(string toml, Dictionary<string, string>? env = null)
    {
        var o = new AuthOptions();
        AuthOptionsBinder.BindToml(o, ProjectConfig.Parse(toml), null);
        AuthOptionsBinder.BindEnv(o, name => env is not null && env.TryGetValue(name, out var v) ? v : null);
        return o;
    }

    [Fact]
    public void Config_toml_maps_to_gotrue_settings_and_env_wins()
    {
        var o = Bind("""
            [auth]
            site_url = "https://app.example.com"
            additional_redirect_urls = ["https://*.example.com/**"]
            jwt_expiry = 600
            enable_signup = false
            refresh_token_reuse_interval = 3
            [auth.email]
            enable_confirmations = true
            max_frequency = "1m30s"
            [auth.external.keycloak]
            enabled = true
            client_id = "kc"
            url = "https://kc.example.com/realms/x"
            """, new() { ["GOTRUE_JWT_EXP"] = "900", ["GOTRUE_EXTERNAL_GOOGLE_ENABLED"] = "true", ["GOTRUE_EXTERNAL_GOOGLE_CLIENT_ID"] = "g" });
        Assert.Equal("https://app.example.com", o.SiteUrl);
        Assert.Equal(900, o.JwtExpiry);
        Assert.True(o.DisableSignup);
        Assert.False(o.MailerAutoconfirm);
        Assert.Equal(TimeSpan.FromSeconds(90), o.EmailMaxFrequency);
        Assert.Equal(3, o.RefreshTokenReuseInterval);
        Assert.True(o.External["keycloak"].Enabled);
        Assert.Equal("https://kc.example.com/realms/x", o.External["keycloak"].Url);
        Assert.True(o.External["google"].Enabled);
        Assert.Equal("https://accounts.google.com", o.External["google"].Url);
    }

    [Fact]
    public void Defaults_follow_the_supabase_cli()
    {
        var o = Bind("");
        Assert.True(o.MailerAutoconfirm);
        Assert.Equal(6, o.PasswordMinLength);
        Assert.Equal(3600, o.JwtExpiry);
        Assert.False(o.AnonymousUsersEnabled);
    }

    [Theory]
    [InlineData("https://app.example.com/welcome", "https://app.example.com/welcome")]
    [InlineData("https://a.example.com/deep/path", "https://a.example.com/deep/path")]
    [InlineData("http://127.0.0.1:5173/cb", "http://127.0.0.1:5173/cb")]
    [InlineData("https://evil.example.net/", "https://site.example.org")]
    [InlineData("javascript:alert(1)", "https://site.example.org")]
    [InlineData(null, "https://site.example.org")]
    public void Redirect_to_is_accepted_only_for_the_site_loopback_or_allow_list(string? requested, string expected)
    {
        var o = new AuthOptions { SiteUrl = "https://site.example.org", AdditionalRedirectUrls = ["https://app.example.com/**", "https://*.example.com/**"] };
        Assert.Equal(expected, Redirects.Resolve(o, requested));
    }

    [Fact]
    public void Sms_providers_and_phone_mfa_bind_from_config_toml_and_env()
    {
        var o = Bind("""
            [auth.sms]
            template = "Code: {{ .Code }}"
            [auth.sms.twilio]
            enabled = true
            account_sid = "AC1"
            message_service_sid = "MG1"
            auth_token = "tok"
            [auth.mfa.phone]
            enroll_enabled = true
            verify_enabled = true
            otp_length = 8
            max_frequency = "10s"
            """);
        Assert.Equal(("twilio", "AC1", "MG1", "tok"), (o.SmsProvider, o.TwilioAccountSid, o.TwilioMessageServiceSid, o.TwilioAuthToken));
        Assert.Equal("Code: {{ .Code }}", o.SmsTemplate);
        Assert.True(o.MfaPhoneEnrollEnabled && o.MfaPhoneVerifyEnabled);
        Assert.Equal((8, TimeSpan.FromSeconds(10)), (o.MfaPhoneOtpLength, o.MfaPhoneMaxFrequency));

        var v = Bind("", new()
        {
            ["GOTRUE_SMS_PROVIDER"] = "Vonage", ["GOTRUE_SMS_VONAGE_FROM"] = "Supacs", ["GOTRUE_SMS_VONAGE_API_KEY"] = "k",
            ["GOTRUE_SMS_VONAGE_API_SECRET"] = "s", ["GOTRUE_SMS_VONAGE_API_BASE"] = "http://127.0.0.1:9", ["GOTRUE_SMS_OTP_LENGTH"] = "7",
        });
        Assert.Equal(("vonage", "Supacs", "k", "s", "http://127.0.0.1:9", 7), (v.SmsProvider, v.VonageFrom, v.VonageApiKey, v.VonageApiSecret, v.SmsApiBase, v.SmsOtpLength));
    }

    [Fact]
    public void Oidc_presets_and_additional_client_ids()
    {
        var o = Bind("", new()
        {
            ["GOTRUE_EXTERNAL_LINKEDIN_OIDC_ENABLED"] = "true", ["GOTRUE_EXTERNAL_SLACK_OIDC_ENABLED"] = "true",
            ["GOTRUE_EXTERNAL_APPLE_ENABLED"] = "true", ["GOTRUE_EXTERNAL_GOOGLE_CLIENT_ID"] = "web",
            ["GOTRUE_EXTERNAL_GOOGLE_ADDITIONAL_CLIENT_IDS"] = "ios,android",
        });
        Assert.Equal("https://www.linkedin.com/oauth", o.External["linkedin_oidc"].Url);
        Assert.Equal("https://slack.com", o.External["slack_oidc"].Url);
        Assert.Equal("https://appleid.apple.com", o.External["apple"].Url);
        Assert.Equal(("web", "ios,android"), (o.External["google"].ClientId, o.External["google"].AdditionalClientIds));
    }
}
