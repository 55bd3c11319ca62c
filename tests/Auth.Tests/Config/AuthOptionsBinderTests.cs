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
}
