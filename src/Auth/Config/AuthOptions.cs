namespace Supacs.Auth.Config;

/// <summary>
/// GoTrue's settings for one project, with GoTrue's (or the Supabase CLI's, where apps rely on them) defaults.
/// Filled by <see cref="AuthOptionsBinder"/> from <c>[auth]</c> of config.toml and the <c>GOTRUE_*</c> environment.
/// </summary>
internal sealed class AuthOptions
{
    /// <summary>SITE_URL: default redirect target and base of email links' redirect.</summary>
    public string SiteUrl { get; set; } = "http://127.0.0.1:3000";

    /// <summary>URI_ALLOW_LIST: extra redirect URLs (globs) accepted in redirect_to.</summary>
    public IReadOnlyList<string> AdditionalRedirectUrls { get; set; } = [];

    /// <summary>API_EXTERNAL_URL: the public base of this API, e.g. http://127.0.0.1:54321/auth/v1.</summary>
    public string ApiExternalUrl { get; set; } = "http://127.0.0.1:54321/auth/v1";

    /// <summary>JWT_EXP in seconds.</summary>
    public long JwtExpiry { get; set; } = 3600;

    /// <summary>JWT_AUD.</summary>
    public string JwtAud { get; set; } = "authenticated";

    /// <summary>JWT_DEFAULT_GROUP_NAME: role of new users.</summary>
    public string JwtDefaultGroup { get; set; } = "authenticated";

    /// <summary>JWT_ADMIN_ROLES.</summary>
    public IReadOnlyList<string> JwtAdminRoles { get; set; } = ["service_role", "supabase_admin"];

    /// <summary>JWT_ISSUER; omitted from tokens when empty. The CLI sets it to the API URL.</summary>
    public string JwtIssuer { get; set; } = "http://127.0.0.1:54321/auth/v1";

    /// <summary>DISABLE_SIGNUP (config.toml: enable_signup = false).</summary>
    public bool DisableSignup { get; set; }

    /// <summary>EXTERNAL_EMAIL_ENABLED ([auth.email] enable_signup).</summary>
    public bool EmailEnabled { get; set; } = true;

    /// <summary>EXTERNAL_PHONE_ENABLED ([auth.sms] enable_signup).</summary>
    public bool PhoneEnabled { get; set; }

    /// <summary>EXTERNAL_ANONYMOUS_USERS_ENABLED (enable_anonymous_sign_ins).</summary>
    public bool AnonymousUsersEnabled { get; set; }

    /// <summary>MAILER_AUTOCONFIRM (config.toml: [auth.email] enable_confirmations = false, the CLI default).</summary>
    public bool MailerAutoconfirm { get; set; } = true;

    /// <summary>SMS_AUTOCONFIRM ([auth.sms] enable_confirmations = false).</summary>
    public bool SmsAutoconfirm { get; set; } = true;

    /// <summary>MAILER_SECURE_EMAIL_CHANGE_ENABLED ([auth.email] double_confirm_changes).</summary>
    public bool SecureEmailChange { get; set; } = true;

    /// <summary>SMTP_MAX_FREQUENCY: minimum time between two emails to one user.</summary>
    public TimeSpan EmailMaxFrequency { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>MAILER_OTP_EXP in seconds.</summary>
    public long MailerOtpExpiry { get; set; } = 86400;

    /// <summary>MAILER_OTP_LENGTH.</summary>
    public int MailerOtpLength { get; set; } = 6;

    /// <summary>SECURITY_REFRESH_TOKEN_ROTATION_ENABLED.</summary>
    public bool RefreshTokenRotation { get; set; } = true;

    /// <summary>SECURITY_REFRESH_TOKEN_REUSE_INTERVAL in seconds (GoTrue 0, the CLI 10).</summary>
    public long RefreshTokenReuseInterval { get; set; } = 10;

    /// <summary>SECURITY_UPDATE_PASSWORD_REQUIRE_REAUTHENTICATION.</summary>
    public bool UpdatePasswordRequireReauthentication { get; set; }

    /// <summary>PASSWORD_MIN_LENGTH.</summary>
    public int PasswordMinLength { get; set; } = 6;

    /// <summary>PASSWORD_REQUIRED_CHARACTERS: ':'-separated character sets, one of each must appear.</summary>
    public IReadOnlyList<string> PasswordRequiredCharacters { get; set; } = [];

    /// <summary>MFA_MAX_ENROLLED_FACTORS.</summary>
    public int MfaMaxEnrolledFactors { get; set; } = 10;

    /// <summary>SMTP peer; mail is not sent when <see cref="SmtpHost"/> is empty.</summary>
    public string SmtpHost { get; set; } = "";
    public int SmtpPort { get; set; } = 587;
    public string SmtpUser { get; set; } = "";
    public string SmtpPass { get; set; } = "";
    public string SmtpAdminEmail { get; set; } = "admin@email.com";
    public string SmtpSenderName { get; set; } = "";

    /// <summary>MAILER_SUBJECTS_* / [auth.email.template.NAME] subject, by template name (confirmation, invite, recovery, magic_link, email_change, reauthentication).</summary>
    public Dictionary<string, string> MailSubjects { get; } = new(StringComparer.Ordinal);

    /// <summary>Template bodies loaded from [auth.email.template.NAME] content_path.</summary>
    public Dictionary<string, string> MailTemplates { get; } = new(StringComparer.Ordinal);

    /// <summary>SMS_OTP_EXP in seconds.</summary>
    public long SmsOtpExpiry { get; set; } = 60;

    /// <summary>SMS_MAX_FREQUENCY ([auth.sms] max_frequency).</summary>
    public TimeSpan SmsMaxFrequency { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>SMS_PROVIDER: twilio, vonage or messagebird ([auth.sms.NAME] enabled = true); empty: only test OTPs.</summary>
    public string SmsProvider { get; set; } = "";

    /// <summary>SMS_OTP_LENGTH.</summary>
    public int SmsOtpLength { get; set; } = 6;

    /// <summary>SMS_TEMPLATE ([auth.sms] template): <c>{{ .Code }}</c> is replaced by the OTP.</summary>
    public string SmsTemplate { get; set; } = "Your code is {{ .Code }}";

    /// <summary>SMS_TWILIO_ACCOUNT_SID / AUTH_TOKEN / MESSAGE_SERVICE_SID ([auth.sms.twilio]).</summary>
    public string TwilioAccountSid { get; set; } = "";
    public string TwilioAuthToken { get; set; } = "";
    public string TwilioMessageServiceSid { get; set; } = "";

    /// <summary>SMS_VONAGE_FROM / API_KEY / API_SECRET ([auth.sms.vonage]).</summary>
    public string VonageFrom { get; set; } = "";
    public string VonageApiKey { get; set; } = "";
    public string VonageApiSecret { get; set; } = "";

    /// <summary>SMS_MESSAGEBIRD_ORIGINATOR / ACCESS_KEY ([auth.sms.messagebird]).</summary>
    public string MessagebirdOriginator { get; set; } = "";
    public string MessagebirdAccessKey { get; set; } = "";

    /// <summary>
    /// Supacs extension: the SMS provider's API base (GOTRUE_SMS_&lt;PROVIDER&gt;_API_BASE / [auth.sms.&lt;provider&gt;] api_base),
    /// e.g. a local HTTP peer in tests; empty means the provider's public API.
    /// </summary>
    public string SmsApiBase { get; set; } = "";

    /// <summary>MFA_PHONE_ENROLL_ENABLED / MFA_PHONE_VERIFY_ENABLED ([auth.mfa.phone]).</summary>
    public bool MfaPhoneEnrollEnabled { get; set; }
    public bool MfaPhoneVerifyEnabled { get; set; }

    /// <summary>MFA_PHONE_OTP_LENGTH, MFA_PHONE_TEMPLATE, MFA_PHONE_MAX_FREQUENCY.</summary>
    public int MfaPhoneOtpLength { get; set; } = 6;
    public string MfaPhoneTemplate { get; set; } = "Your code is {{ .Code }}";
    public TimeSpan MfaPhoneMaxFrequency { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>SMS_TEST_OTP: phone → fixed OTP.</summary>
    public Dictionary<string, string> SmsTestOtp { get; } = new(StringComparer.Ordinal);

    /// <summary>[auth.external.NAME] / GOTRUE_EXTERNAL_NAME_*: OAuth providers by name.</summary>
    public Dictionary<string, OAuthProviderOptions> External { get; } = new(StringComparer.Ordinal);

    /// <summary>EXTERNAL_FLOW_STATE_EXPIRY_DURATION: how long an OAuth/PKCE flow may take.</summary>
    public TimeSpan FlowStateExpiry { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>RATE_LIMIT_HEADER: the header naming the client for per-IP limits (else Sb-Forwarded-For; neither → no limit).</summary>
    public string RateLimitHeader { get; set; } = "";

    /// <summary>RATE_LIMIT_TOKEN_REFRESH ([auth.rate_limit] token_refresh): /token requests per 5 minutes per client.</summary>
    public double RateLimitTokenRefresh { get; set; } = 150;

    /// <summary>RATE_LIMIT_VERIFY ([auth.rate_limit] token_verifications): /verify per 5 minutes per client.</summary>
    public double RateLimitVerify { get; set; } = 30;

    /// <summary>RATE_LIMIT_OTP ([auth.rate_limit] sign_in_sign_ups): signup, otp, recover, resend per 5 minutes per client.</summary>
    public double RateLimitOtp { get; set; } = 30;

    /// <summary>RATE_LIMIT_ANONYMOUS_USERS: anonymous sign-ins per hour per client.</summary>
    public double RateLimitAnonymousUsers { get; set; } = 30;

    /// <summary>RATE_LIMIT_EMAIL_SENT ([auth.rate_limit] email_sent): emails per hour, project-wide.</summary>
    public double RateLimitEmailSent { get; set; } = 30;

    /// <summary>RATE_LIMIT_SMS_SENT: SMS messages per hour for the project.</summary>
    public double RateLimitSmsSent { get; set; } = 30;

    /// <summary>[auth.hook.custom_access_token] / HOOK_CUSTOM_ACCESS_TOKEN_*.</summary>
    public HookOptions? CustomAccessTokenHook { get; set; }

    /// <summary>[auth.hook.send_email] / HOOK_SEND_EMAIL_*: replaces SMTP when enabled.</summary>
    public HookOptions? SendEmailHook { get; set; }

    /// <summary>[auth.hook.password_verification_attempt] / HOOK_PASSWORD_VERIFICATION_ATTEMPT_*.</summary>
    public HookOptions? PasswordVerificationAttemptHook { get; set; }

    /// <summary>[auth.hook.mfa_verification_attempt] / HOOK_MFA_VERIFICATION_ATTEMPT_*.</summary>
    public HookOptions? MfaVerificationAttemptHook { get; set; }

    /// <summary>[auth.hook.before_user_created] / HOOK_BEFORE_USER_CREATED_*: may refuse any new user.</summary>
    public HookOptions? BeforeUserCreatedHook { get; set; }

    /// <summary>[auth.hook.send_sms] / HOOK_SEND_SMS_*: replaces the SMS provider.</summary>
    public HookOptions? SendSmsHook { get; set; }

    /// <summary>SECURITY_MANUAL_LINKING_ENABLED ([auth] enable_manual_linking).</summary>
    public bool ManualLinkingEnabled { get; set; }

    /// <summary>SESSIONS_TIMEBOX ([auth.sessions] timebox): a session ends this long after sign-in; zero = never.</summary>
    public TimeSpan SessionTimebox { get; set; }

    /// <summary>SESSIONS_INACTIVITY_TIMEOUT ([auth.sessions] inactivity_timeout): a session ends after this long without a refresh.</summary>
    public TimeSpan SessionInactivityTimeout { get; set; }

    /// <summary>SESSIONS_SINGLE_PER_USER: a new sign-in ends the user's other sessions.</summary>
    public bool SingleSessionPerUser { get; set; }

    /// <summary>Whether the caller's role may use the admin API.</summary>
    public bool IsAdminRole(string? role) => role is not null && JwtAdminRoles.Contains(role, StringComparer.Ordinal);
}

/// <summary>One OAuth provider. Providers that speak OpenID Connect are driven by discovery from <see cref="Url"/>.</summary>
internal sealed class OAuthProviderOptions
{
    public string Name { get; set; } = "";
    public bool Enabled { get; set; }
    public string ClientId { get; set; } = "";
    public string Secret { get; set; } = "";

    /// <summary>The callback registered at the provider; defaults to API_EXTERNAL_URL/callback.</summary>
    public string RedirectUri { get; set; } = "";

    /// <summary>The OIDC issuer (keycloak realm URL, a generic OIDC provider); presets for google, azure, gitlab.</summary>
    public string Url { get; set; } = "";

    public bool SkipNonceCheck { get; set; }

    /// <summary>ADDITIONAL_CLIENT_IDS: more audiences accepted for ID tokens (native iOS/Android client ids), comma-separated.</summary>
    public string AdditionalClientIds { get; set; } = "";
}

/// <summary>An auth hook: pg-functions://postgres/schema/function or an HTTPS URL with Standard Webhooks secrets ("v1,whsec_…", '|'-separated).</summary>
internal sealed class HookOptions
{
    public bool Enabled { get; set; }
    public string Uri { get; set; } = "";
    public string Secrets { get; set; } = "";
}
