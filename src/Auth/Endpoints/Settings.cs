using Microsoft.AspNetCore.Routing;
using Supacs.Auth.Http;

namespace Supacs.Auth.Endpoints;

/// <summary>GET /settings → which providers are on, signup and autoconfirm flags.</summary>
internal static class Settings
{
    private static readonly string[] OAuthProviders =
    [
        "apple", "azure", "bitbucket", "discord", "facebook", "figma", "fly", "github", "gitlab", "google", "keycloak", "kakao",
        "linkedin", "linkedin_oidc", "notion", "spotify", "slack", "slack_oidc", "workos", "twitch", "twitter", "x", "zoom",
    ];

    public static void Map(IEndpointRouteBuilder group) => group.MapAuth("GET", "/settings", req =>
    {
        var o = req.Options;
        return JsonResponse.WriteAsync(req.Http, 200, w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("external");
            w.WriteBoolean("anonymous_users", o.AnonymousUsersEnabled);
            foreach (var p in OAuthProviders) w.WriteBoolean(p, o.External.TryGetValue(p, out var ext) && ext.Enabled);
            w.WriteBoolean("email", o.EmailEnabled);
            w.WriteBoolean("phone", o.PhoneEnabled);
            w.WriteEndObject();
            w.WriteBoolean("disable_signup", o.DisableSignup);
            w.WriteBoolean("mailer_autoconfirm", o.MailerAutoconfirm);
            w.WriteBoolean("phone_autoconfirm", o.SmsAutoconfirm);
            w.WriteString("sms_provider", o.SmsProvider.Length > 0 ? o.SmsProvider : o.PhoneEnabled ? "twilio" : "");
            w.WriteBoolean("saml_enabled", false);
            w.WriteBoolean("passkeys_enabled", false);
            w.WriteEndObject();
        });
    });
}
