using Supacs.Auth.Http;

namespace Supacs.Auth.Limits;

/// <summary>
/// GoTrue's per-IP limits. The client is named by the RATE_LIMIT_HEADER header when configured, else by
/// Sb-Forwarded-For; with neither there is no per-IP limit (as GoTrue). The email limit is project-wide.
/// </summary>
internal static class RateLimits
{
    private static readonly TimeSpan FiveMinutes = TimeSpan.FromMinutes(5);
    private const double Burst = 30;

    /// <summary>Throws 429 over_request_rate_limit when the caller's bucket for <paramref name="limit"/> is empty.</summary>
    public static void Check(AuthRequest req, string limit)
    {
        var o = req.Options;
        var header = o.RateLimitHeader.Length > 0 ? o.RateLimitHeader : "Sb-Forwarded-For";
        var key = req.Http.Request.Headers[header].ToString().Split(',')[0].Trim();
        if (key.Length == 0) return;
        var (count, window) = limit switch
        {
            "token" => (o.RateLimitTokenRefresh, FiveMinutes),
            "verify" => (o.RateLimitVerify, FiveMinutes),
            "anonymous" => (o.RateLimitAnonymousUsers, TimeSpan.FromHours(1)),
            _ => (o.RateLimitOtp, FiveMinutes),
        };
        if (!req.Runtime.Limiter.TryTake(limit, key, count, window, Burst))
            throw new AuthException(429, "over_request_rate_limit", "Request rate limit reached");
    }

    /// <summary>Project-wide emails per hour (RATE_LIMIT_EMAIL_SENT).</summary>
    public static void CheckEmailSent(AuthRequest req)
    {
        var o = req.Options;
        if (!req.Runtime.Mailer.Enabled) return;
        if (!req.Runtime.Limiter.TryTake("email_sent", "", o.RateLimitEmailSent, TimeSpan.FromHours(1), o.RateLimitEmailSent))
            throw new AuthException(429, "over_email_send_rate_limit", "Email rate limit exceeded");
    }

    /// <summary>RATE_LIMIT_SMS_SENT ([auth.rate_limit] sms_sent): SMS messages per hour, project-wide (test OTPs excluded).</summary>
    public static void CheckSmsSent(AuthRequest req)
    {
        var o = req.Options;
        if (!req.Runtime.Limiter.TryTake("sms_sent", "", o.RateLimitSmsSent, TimeSpan.FromHours(1), o.RateLimitSmsSent))
            throw new AuthException(429, "over_sms_send_rate_limit", "SMS rate limit exceeded");
    }
}
