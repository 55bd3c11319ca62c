using System.Globalization;
using Supacs.Core.Config;
using Supacs.Core.Projects;

namespace Supacs.Auth.Config;

/// <summary>
/// The one place where Auth's settings are read: config.toml's <c>[auth]</c> first, then the <c>GOTRUE_*</c>
/// environment (which wins, as it does for GoTrue itself). To add a setting: add a property with its default
/// to <see cref="AuthOptions"/>, then read both its config.toml key and its GOTRUE_ name here.
/// </summary>
internal static class AuthOptionsBinder
{
    public static AuthOptions Bind(SupacsProject project, Func<string, string?> env)
    {
        var o = new AuthOptions { ApiExternalUrl = project.Options.PublicUrl + "/auth/v1" };
        o.JwtIssuer = o.ApiExternalUrl;
        BindToml(o, project.Config, project.ProjectDir);
        BindEnv(o, env);
        return o;
    }

    public static void BindToml(AuthOptions o, ProjectConfig config, string? projectDir)
    {
        var auth = config.Section("auth");
        if (auth.GetString("site_url") is { Length: > 0 } site) o.SiteUrl = site;
        if (auth.GetStringArray("additional_redirect_urls") is { Count: > 0 } urls) o.AdditionalRedirectUrls = urls;
        if (auth.GetLong("jwt_expiry") is { } exp) o.JwtExpiry = exp;
        if (auth.GetString("jwt_issuer") is { Length: > 0 } iss) o.JwtIssuer = iss;
        if (auth.GetBool("enable_signup") is { } signup) o.DisableSignup = !signup;
        if (auth.GetBool("enable_anonymous_sign_ins") is { } anon) o.AnonymousUsersEnabled = anon;
        if (auth.GetBool("enable_refresh_token_rotation") is { } rot) o.RefreshTokenRotation = rot;
        if (auth.GetLong("refresh_token_reuse_interval") is { } reuse) o.RefreshTokenReuseInterval = reuse;
        if (auth.GetBool("enable_manual_linking") is { } linking) o.ManualLinkingEnabled = linking;
        if (auth.GetLong("minimum_password_length") is { } min) o.PasswordMinLength = (int)min;
        if (auth.GetString("password_requirements") is { Length: > 0 } req) o.PasswordRequiredCharacters = PasswordRequirementSets(req);

        var email = auth.Section("email");
        if (email.GetBool("enable_signup") is { } emailSignup) o.EmailEnabled = emailSignup;
        if (email.GetBool("enable_confirmations") is { } confirm) o.MailerAutoconfirm = !confirm;
        if (email.GetBool("double_confirm_changes") is { } dbl) o.SecureEmailChange = dbl;
        if (email.GetString("max_frequency") is { Length: > 0 } freq) o.EmailMaxFrequency = ParseDuration(freq);
        if (email.GetLong("otp_length") is { } otpLen) o.MailerOtpLength = (int)otpLen;
        if (email.GetLong("otp_expiry") is { } otpExp) o.MailerOtpExpiry = otpExp;
        if (auth.Section("security").GetBool("update_password_require_reauthentication") is { } reauth)
            o.UpdatePasswordRequireReauthentication = reauth;
        if (email.GetBool("secure_password_change") is { } securePw) o.UpdatePasswordRequireReauthentication = securePw;

        var smtp = email.Section("smtp");
        if (smtp.Exists && smtp.GetBool("enabled") != false)
        {
            if (smtp.GetString("host") is { Length: > 0 } host) o.SmtpHost = host;
            if (smtp.GetLong("port") is { } port) o.SmtpPort = (int)port;
            if (smtp.GetString("user") is { } user) o.SmtpUser = user;
            if (smtp.GetString("pass") is { } pass) o.SmtpPass = pass;
            if (smtp.GetString("admin_email") is { Length: > 0 } admin) o.SmtpAdminEmail = admin;
            if (smtp.GetString("sender_name") is { } sender) o.SmtpSenderName = sender;
        }
        foreach (var (name, template) in email.Section("template").Children())
        {
            if (template.GetString("subject") is { Length: > 0 } subject) o.MailSubjects[name] = subject;
            if (template.GetString("content_path") is { Length: > 0 } path)
            {
                var full = Path.IsPathRooted(path) || projectDir is null ? path : Path.Combine(projectDir, path);
                if (!File.Exists(full) && projectDir is not null) full = Path.Combine(projectDir, "supabase", path);
                if (File.Exists(full)) o.MailTemplates[name] = File.ReadAllText(full);
            }
        }

        var sms = auth.Section("sms");
        if (sms.GetBool("enable_signup") is { } smsSignup) o.PhoneEnabled = smsSignup;
        if (sms.GetBool("enable_confirmations") is { } smsConfirm) o.SmsAutoconfirm = !smsConfirm;
        if (sms.GetString("max_frequency") is { Length: > 0 } smsFreq) o.SmsMaxFrequency = ParseDuration(smsFreq);
        foreach (var key in sms.Section("test_otp").Keys)
            if (sms.Section("test_otp").GetString(key) is { } otp) o.SmsTestOtp[key.TrimStart('+')] = otp;
        if (sms.GetString("template") is { Length: > 0 } smsTemplate) o.SmsTemplate = smsTemplate;
        var twilio = sms.Section("twilio");
        if (twilio.GetBool("enabled") == true)
        {
            o.SmsProvider = "twilio";
            o.TwilioAccountSid = twilio.GetString("account_sid") ?? "";
            o.TwilioMessageServiceSid = twilio.GetString("message_service_sid") ?? "";
            o.TwilioAuthToken = twilio.GetString("auth_token") ?? "";
            o.SmsApiBase = twilio.GetString("api_base") ?? "";
        }
        var vonage = sms.Section("vonage");
        if (vonage.GetBool("enabled") == true)
        {
            o.SmsProvider = "vonage";
            o.VonageFrom = vonage.GetString("from") ?? "";
            o.VonageApiKey = vonage.GetString("api_key") ?? "";
            o.VonageApiSecret = vonage.GetString("api_secret") ?? "";
            o.SmsApiBase = vonage.GetString("api_base") ?? "";
        }
        var messagebird = sms.Section("messagebird");
        if (messagebird.GetBool("enabled") == true)
        {
            o.SmsProvider = "messagebird";
            o.MessagebirdOriginator = messagebird.GetString("originator") ?? "";
            o.MessagebirdAccessKey = messagebird.GetString("access_key") ?? "";
            o.SmsApiBase = messagebird.GetString("api_base") ?? "";
        }
        var mfaPhone = auth.Section("mfa").Section("phone");
        if (mfaPhone.GetBool("enroll_enabled") is { } phoneEnroll) o.MfaPhoneEnrollEnabled = phoneEnroll;
        if (mfaPhone.GetBool("verify_enabled") is { } phoneVerify) o.MfaPhoneVerifyEnabled = phoneVerify;
        if (mfaPhone.GetLong("otp_length") is { } phoneOtpLen) o.MfaPhoneOtpLength = (int)phoneOtpLen;
        if (mfaPhone.GetString("template") is { Length: > 0 } phoneTemplate) o.MfaPhoneTemplate = phoneTemplate;
        if (mfaPhone.GetString("max_frequency") is { Length: > 0 } phoneFreq) o.MfaPhoneMaxFrequency = ParseDuration(phoneFreq);

        if (auth.Section("mfa").GetLong("max_enrolled_factors") is { } maxFactors) o.MfaMaxEnrolledFactors = (int)maxFactors;
        o.CustomAccessTokenHook = TomlHook(auth.Section("hook").Section("custom_access_token")) ?? o.CustomAccessTokenHook;
        o.SendEmailHook = TomlHook(auth.Section("hook").Section("send_email")) ?? o.SendEmailHook;
        o.SendSmsHook = TomlHook(auth.Section("hook").Section("send_sms")) ?? o.SendSmsHook;
        o.BeforeUserCreatedHook = TomlHook(auth.Section("hook").Section("before_user_created")) ?? o.BeforeUserCreatedHook;
        o.PasswordVerificationAttemptHook = TomlHook(auth.Section("hook").Section("password_verification_attempt")) ?? o.PasswordVerificationAttemptHook;
        o.MfaVerificationAttemptHook = TomlHook(auth.Section("hook").Section("mfa_verification_attempt")) ?? o.MfaVerificationAttemptHook;
        var sessions = auth.Section("sessions");
        if (sessions.GetString("timebox") is { Length: > 0 } timebox) o.SessionTimebox = ParseDuration(timebox);
        if (sessions.GetString("inactivity_timeout") is { Length: > 0 } inactivity) o.SessionInactivityTimeout = ParseDuration(inactivity);
        var limits = auth.Section("rate_limit");
        if (limits.GetLong("email_sent") is { } emailSent) o.RateLimitEmailSent = emailSent;
        if (limits.GetLong("sms_sent") is { } smsSent) o.RateLimitSmsSent = smsSent;
        if (limits.GetLong("anonymous_users") is { } anonUsers) o.RateLimitAnonymousUsers = anonUsers;
        if (limits.GetLong("token_refresh") is { } tokenRefresh) o.RateLimitTokenRefresh = tokenRefresh;
        if (limits.GetLong("sign_in_sign_ups") is { } signIns) o.RateLimitOtp = signIns;
        if (limits.GetLong("token_verifications") is { } verifications) o.RateLimitVerify = verifications;

        foreach (var (name, p) in auth.Section("external").Children())
        {
            var provider = Provider(o, name);
            if (p.GetBool("enabled") is { } enabled) provider.Enabled = enabled;
            if (p.GetString("client_id") is { } id) provider.ClientId = id;
            if (p.GetString("secret") is { } secret) provider.Secret = secret;
            if (p.GetString("redirect_uri") is { Length: > 0 } redirect) provider.RedirectUri = redirect;
            if (p.GetString("url") is { Length: > 0 } url) provider.Url = url;
            if (p.GetBool("skip_nonce_check") is { } skip) provider.SkipNonceCheck = skip;
            if (p.GetString("additional_client_ids") is { } extraIds) provider.AdditionalClientIds = extraIds;
        }
    }

    /// <summary>Provider names GoTrue knows (plus "oidc" for a generic OpenID Connect provider).</summary>
    public static readonly string[] ProviderNames =
    [
        "apple", "azure", "bitbucket", "discord", "facebook", "figma", "fly", "github", "gitlab", "google", "keycloak", "kakao",
        "linkedin", "linkedin_oidc", "notion", "spotify", "slack", "slack_oidc", "workos", "twitch", "twitter", "x", "zoom", "oidc",
    ];

    private static OAuthProviderOptions Provider(AuthOptions o, string name)
    {
        if (!o.External.TryGetValue(name, out var p))
        {
            p = new OAuthProviderOptions { Name = name, Url = name switch
            {
                "google" => "https://accounts.google.com",
                "apple" => "https://appleid.apple.com",
                "linkedin_oidc" => "https://www.linkedin.com/oauth",
                "slack_oidc" => "https://slack.com",
                "azure" => "https://login.microsoftonline.com/common/v2.0",
                "gitlab" => "https://gitlab.com",
                _ => "",
            } };
            o.External[name] = p;
        }
        return p;
    }

    public static void BindEnv(AuthOptions o, Func<string, string?> env)
    {
        string? G(string name) => env("GOTRUE_" + name) is { Length: > 0 } v ? v : null;
        static bool B(string v) => v is "1" or "true" or "TRUE" or "True";

        if (env("API_EXTERNAL_URL") is { Length: > 0 } api) o.ApiExternalUrl = api.TrimEnd('/');
        if (G("SITE_URL") is { } site) o.SiteUrl = site;
        if (G("URI_ALLOW_LIST") is { } allow) o.AdditionalRedirectUrls = allow.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (G("DISABLE_SIGNUP") is { } ds) o.DisableSignup = B(ds);
        if (G("JWT_EXP") is { } exp) o.JwtExpiry = long.Parse(exp, CultureInfo.InvariantCulture);
        if (G("JWT_AUD") is { } aud) o.JwtAud = aud;
        if (G("JWT_DEFAULT_GROUP_NAME") is { } group) o.JwtDefaultGroup = group;
        if (G("JWT_ADMIN_ROLES") is { } roles) o.JwtAdminRoles = roles.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (env("GOTRUE_JWT_ISSUER") is { } iss) o.JwtIssuer = iss;
        if (G("EXTERNAL_EMAIL_ENABLED") is { } ee) o.EmailEnabled = B(ee);
        if (G("EXTERNAL_PHONE_ENABLED") is { } pe) o.PhoneEnabled = B(pe);
        if (G("EXTERNAL_ANONYMOUS_USERS_ENABLED") is { } an) o.AnonymousUsersEnabled = B(an);
        if (G("MAILER_AUTOCONFIRM") is { } ac) o.MailerAutoconfirm = B(ac);
        if (G("SMS_AUTOCONFIRM") is { } sac) o.SmsAutoconfirm = B(sac);
        if (G("MAILER_SECURE_EMAIL_CHANGE_ENABLED") is { } sec) o.SecureEmailChange = B(sec);
        if (G("MAILER_OTP_EXP") is { } otpExp) o.MailerOtpExpiry = long.Parse(otpExp, CultureInfo.InvariantCulture);
        if (G("MAILER_OTP_LENGTH") is { } otpLen) o.MailerOtpLength = int.Parse(otpLen, CultureInfo.InvariantCulture);
        if (G("SMTP_MAX_FREQUENCY") is { } freq) o.EmailMaxFrequency = ParseDuration(freq);
        if (G("SMTP_HOST") is { } host) o.SmtpHost = host;
        if (G("SMTP_PORT") is { } port) o.SmtpPort = int.Parse(port, CultureInfo.InvariantCulture);
        if (G("SMTP_USER") is { } user) o.SmtpUser = user;
        if (G("SMTP_PASS") is { } pass) o.SmtpPass = pass;
        if (G("SMTP_ADMIN_EMAIL") is { } adminEmail) o.SmtpAdminEmail = adminEmail;
        if (G("SMTP_SENDER_NAME") is { } sender) o.SmtpSenderName = sender;
        foreach (var name in new[] { "confirmation", "invite", "recovery", "magic_link", "email_change", "reauthentication" })
            if (G("MAILER_SUBJECTS_" + name.Replace("_", "", StringComparison.Ordinal).ToUpperInvariant()) is { } subject) o.MailSubjects[name] = subject;
        if (G("SECURITY_REFRESH_TOKEN_ROTATION_ENABLED") is { } rot) o.RefreshTokenRotation = B(rot);
        if (G("SECURITY_REFRESH_TOKEN_REUSE_INTERVAL") is { } reuse) o.RefreshTokenReuseInterval = long.Parse(reuse, CultureInfo.InvariantCulture);
        if (G("SECURITY_UPDATE_PASSWORD_REQUIRE_REAUTHENTICATION") is { } rr) o.UpdatePasswordRequireReauthentication = B(rr);
        if (G("PASSWORD_MIN_LENGTH") is { } min) o.PasswordMinLength = int.Parse(min, CultureInfo.InvariantCulture);
        if (G("PASSWORD_REQUIRED_CHARACTERS") is { } chars) o.PasswordRequiredCharacters = chars.Split(':', StringSplitOptions.RemoveEmptyEntries);
        if (G("MFA_MAX_ENROLLED_FACTORS") is { } mf) o.MfaMaxEnrolledFactors = int.Parse(mf, CultureInfo.InvariantCulture);
        foreach (var name in ProviderNames)
        {
            var prefix = "EXTERNAL_" + name.ToUpperInvariant() + "_";
            if (G(prefix + "ENABLED") is null && G(prefix + "CLIENT_ID") is null) continue;
            var p = Provider(o, name);
            if (G(prefix + "ENABLED") is { } en) p.Enabled = B(en);
            if (G(prefix + "CLIENT_ID") is { } id) p.ClientId = id;
            if (G(prefix + "SECRET") is { } secret) p.Secret = secret;
            if (G(prefix + "REDIRECT_URI") is { } redirect) p.RedirectUri = redirect;
            if (G(prefix + "URL") is { } url) p.Url = url;
            if (G(prefix + "SKIP_NONCE_CHECK") is { } skip) p.SkipNonceCheck = B(skip);
            if (G(prefix + "ADDITIONAL_CLIENT_IDS") is { } extraIds) p.AdditionalClientIds = extraIds;
        }
        o.CustomAccessTokenHook = EnvHook(G, "HOOK_CUSTOM_ACCESS_TOKEN_", o.CustomAccessTokenHook);
        o.SendEmailHook = EnvHook(G, "HOOK_SEND_EMAIL_", o.SendEmailHook);
        o.SendSmsHook = EnvHook(G, "HOOK_SEND_SMS_", o.SendSmsHook);
        o.BeforeUserCreatedHook = EnvHook(G, "HOOK_BEFORE_USER_CREATED_", o.BeforeUserCreatedHook);
        o.PasswordVerificationAttemptHook = EnvHook(G, "HOOK_PASSWORD_VERIFICATION_ATTEMPT_", o.PasswordVerificationAttemptHook);
        o.MfaVerificationAttemptHook = EnvHook(G, "HOOK_MFA_VERIFICATION_ATTEMPT_", o.MfaVerificationAttemptHook);
        if (G("SECURITY_MANUAL_LINKING_ENABLED") is { } ml) o.ManualLinkingEnabled = B(ml);
        if (G("SESSIONS_TIMEBOX") is { } tb) o.SessionTimebox = ParseDuration(tb);
        if (G("SESSIONS_INACTIVITY_TIMEOUT") is { } it) o.SessionInactivityTimeout = ParseDuration(it);
        if (G("SESSIONS_SINGLE_PER_USER") is { } sp) o.SingleSessionPerUser = B(sp);
        if (G("RATE_LIMIT_HEADER") is { } rlh) o.RateLimitHeader = rlh;
        if (G("RATE_LIMIT_TOKEN_REFRESH") is { } rlt) o.RateLimitTokenRefresh = double.Parse(rlt, CultureInfo.InvariantCulture);
        if (G("RATE_LIMIT_VERIFY") is { } rlv) o.RateLimitVerify = double.Parse(rlv, CultureInfo.InvariantCulture);
        if (G("RATE_LIMIT_OTP") is { } rlo) o.RateLimitOtp = double.Parse(rlo, CultureInfo.InvariantCulture);
        if (G("RATE_LIMIT_ANONYMOUS_USERS") is { } rla) o.RateLimitAnonymousUsers = double.Parse(rla, CultureInfo.InvariantCulture);
        if (G("RATE_LIMIT_EMAIL_SENT") is { } rle) o.RateLimitEmailSent = double.Parse(rle, CultureInfo.InvariantCulture);
        if (G("RATE_LIMIT_SMS_SENT") is { } rls) o.RateLimitSmsSent = double.Parse(rls, CultureInfo.InvariantCulture);
        if (G("EXTERNAL_FLOW_STATE_EXPIRY_DURATION") is { } flow) o.FlowStateExpiry = ParseDuration(flow);
        if (G("SMS_OTP_EXP") is { } smsExp) o.SmsOtpExpiry = long.Parse(smsExp, CultureInfo.InvariantCulture);
        if (G("SMS_MAX_FREQUENCY") is { } smsFreqEnv) o.SmsMaxFrequency = ParseDuration(smsFreqEnv);
        if (G("SMS_PROVIDER") is { } smsProvider) o.SmsProvider = smsProvider.ToLowerInvariant();
        if (G("SMS_OTP_LENGTH") is { } smsLen) o.SmsOtpLength = int.Parse(smsLen, CultureInfo.InvariantCulture);
        if (G("SMS_TEMPLATE") is { } smsTpl) o.SmsTemplate = smsTpl;
        if (G("SMS_TWILIO_ACCOUNT_SID") is { } tsid) o.TwilioAccountSid = tsid;
        if (G("SMS_TWILIO_AUTH_TOKEN") is { } ttok) o.TwilioAuthToken = ttok;
        if (G("SMS_TWILIO_MESSAGE_SERVICE_SID") is { } tms) o.TwilioMessageServiceSid = tms;
        if (G("SMS_VONAGE_FROM") is { } vfrom) o.VonageFrom = vfrom;
        if (G("SMS_VONAGE_API_KEY") is { } vkey) o.VonageApiKey = vkey;
        if (G("SMS_VONAGE_API_SECRET") is { } vsec) o.VonageApiSecret = vsec;
        if (G("SMS_MESSAGEBIRD_ORIGINATOR") is { } mbo) o.MessagebirdOriginator = mbo;
        if (G("SMS_MESSAGEBIRD_ACCESS_KEY") is { } mbk) o.MessagebirdAccessKey = mbk;
        if (o.SmsProvider.Length > 0 && G("SMS_" + o.SmsProvider.ToUpperInvariant() + "_API_BASE") is { } apiBase) o.SmsApiBase = apiBase;
        if (G("MFA_PHONE_ENROLL_ENABLED") is { } mpe) o.MfaPhoneEnrollEnabled = B(mpe);
        if (G("MFA_PHONE_VERIFY_ENABLED") is { } mpv) o.MfaPhoneVerifyEnabled = B(mpv);
        if (G("MFA_PHONE_OTP_LENGTH") is { } mpl) o.MfaPhoneOtpLength = int.Parse(mpl, CultureInfo.InvariantCulture);
        if (G("MFA_PHONE_TEMPLATE") is { } mpt) o.MfaPhoneTemplate = mpt;
        if (G("MFA_PHONE_MAX_FREQUENCY") is { } mpf) o.MfaPhoneMaxFrequency = ParseDuration(mpf);
        if (G("SMS_TEST_OTP") is { } testOtp)
            foreach (var pair in testOtp.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                if (pair.Split(':', 2) is [var phone, var code]) o.SmsTestOtp[phone.TrimStart('+')] = code;
    }

    private static HookOptions? TomlHook(ConfigSection hook) => hook.Exists
        ? new HookOptions { Enabled = hook.GetBool("enabled") ?? false, Uri = hook.GetString("uri") ?? "", Secrets = hook.GetString("secrets") ?? "" }
        : null;

    private static HookOptions? EnvHook(Func<string, string?> g, string prefix, HookOptions? current)
    {
        if (g(prefix + "URI") is not { } uri) return current;
        var hook = current ?? new HookOptions();
        hook.Uri = uri;
        hook.Enabled = g(prefix + "ENABLED") is not { } enabled || enabled is "1" or "true" or "TRUE" or "True";
        if (g(prefix + "SECRETS") is { } secrets) hook.Secrets = secrets;
        return hook;
    }

    /// <summary>The CLI's password_requirements names mapped to GoTrue's character sets.</summary>
    private static string[] PasswordRequirementSets(string name) => name switch
    {
        "letters_digits" => ["abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789"],
        "lower_upper_letters_digits" => ["abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789"],
        "lower_upper_letters_digits_symbols" => ["abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789", "!@#$%^&*()_+-=[]{};'\\:\"|<>?,./`~"],
        _ => [],
    };

    /// <summary>Go-style durations as the CLI writes them ("1s", "60s", "5m", "1h"); a bare number is seconds.</summary>
    public static TimeSpan ParseDuration(string s)
    {
        s = s.Trim();
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var secs)) return TimeSpan.FromSeconds(secs);
        var total = TimeSpan.Zero;
        var i = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.')) i++;
            var number = double.Parse(s[start..i], CultureInfo.InvariantCulture);
            var unitStart = i;
            while (i < s.Length && char.IsAsciiLetter(s[i])) i++;
            total += s[unitStart..i] switch
            {
                "ms" => TimeSpan.FromMilliseconds(number),
                "s" => TimeSpan.FromSeconds(number),
                "m" => TimeSpan.FromMinutes(number),
                "h" => TimeSpan.FromHours(number),
                _ => throw new FormatException($"bad duration '{s}'"),
            };
        }
        return total;
    }
}
