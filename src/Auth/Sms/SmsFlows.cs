using Npgsql;
using Supacs.Auth.Http;
using Supacs.Auth.Mail;
using Supacs.Auth.Users;

namespace Supacs.Auth.Sms;

/// <summary>
/// Phone OTPs: numbers listed in <c>[auth.sms.test_otp]</c> / SMS_TEST_OTP get their fixed code (message_id "test-otp",
/// nothing sent); others get a random <c>SMS_OTP_LENGTH</c>-digit code through the SMS provider (<see cref="SmsSender"/>)
/// with <c>SMS_TEMPLATE</c>; without a provider → 500 sms_send_failed, and nothing is stored.
/// </summary>
internal static class SmsFlows
{
    /// <summary>The SMS OTP kinds and the user columns they use.</summary>
    public enum Kind { Confirmation, Recovery, PhoneChange }

    /// <summary>Stores hash(phone + otp) in the kind's column and "sends" it; returns the message id.</summary>
    public static async Task<string> SendAsync(AuthRequest req, NpgsqlConnection conn, NpgsqlTransaction tx, UserRecord user, Kind kind, string phone, string channel = "sms")
    {
        var o = req.Options;
        var now = DateTime.UtcNow;
        var last = kind switch { Kind.Confirmation => user.ConfirmationSentAt, Kind.Recovery => user.RecoverySentAt, _ => user.PhoneChangeSentAt };
        if (last is { } l && now - l < o.SmsMaxFrequency)
        {
            var wait = (int)Math.Ceiling((o.SmsMaxFrequency - (now - l)).TotalSeconds);
            throw new AuthException(429, "over_sms_send_rate_limit", $"For security purposes, you can only request this after {wait} seconds.");
        }
        var testOtp = o.SmsTestOtp.TryGetValue(phone, out var fixedOtp);
        var otp = testOtp ? fixedOtp! : SmsSender.NewOtp(o.SmsOtpLength);
        var hash = OneTimeTokens.Hash(phone, otp);
        string tokenType;
        switch (kind)
        {
            case Kind.Confirmation:
                user.ConfirmationToken = hash;
                user.ConfirmationSentAt = now;
                tokenType = "confirmation_token";
                break;
            case Kind.Recovery:
                user.RecoveryToken = hash;
                user.RecoverySentAt = now;
                tokenType = "recovery_token";
                break;
            default:
                user.PhoneChange = phone;
                user.PhoneChangeToken = hash;
                user.PhoneChangeSentAt = now;
                tokenType = "phone_change_token";
                break;
        }
        await UserStore.UpdateAsync(conn, tx, user, req.Aborted).ConfigureAwait(false);
        await OneTimeTokens.SaveAsync(conn, tx, user.Id, tokenType, hash, phone, req.Aborted).ConfigureAwait(false);
        if (testOtp) return "test-otp";
        // Sent inside the caller's transaction: a provider (or hook) failure rolls the stored token back.
        return await DeliverAsync(req, conn, tx, user, phone, otp, o.SmsTemplate, channel, null).ConfigureAwait(false);
    }

    /// <summary>
    /// Hands an OTP to the send-SMS hook when one is enabled (<c>{user, sms:{otp, sms_type?}}</c>; message id ""),
    /// else sends the rendered template through the SMS provider.
    /// </summary>
    public static async Task<string> DeliverAsync(AuthRequest req, NpgsqlConnection conn, NpgsqlTransaction? tx, UserRecord user, string phone,
        string otp, string template, string channel, string? smsType)
    {
        Limits.RateLimits.CheckSmsSent(req);
        if (req.Options.SendSmsHook is { Enabled: true } hook)
        {
            using var buffer = new MemoryStream();
            using (var w = new System.Text.Json.Utf8JsonWriter(buffer)) UserJson.Write(w, user);
            var sms = new System.Text.Json.Nodes.JsonObject { ["otp"] = otp };
            if (smsType is not null) sms["sms_type"] = smsType;
            var payload = new System.Text.Json.Nodes.JsonObject { ["user"] = System.Text.Json.Nodes.JsonNode.Parse(buffer.ToArray()), ["sms"] = sms };
            await Hooks.HookRunner.InvokeAsync(req, conn, tx, hook, payload.ToJsonString()).ConfigureAwait(false);
            return "";
        }
        return await SmsSender.SendAsync(req.Runtime.Oidc.Http, req.Options, phone, SmsSender.Render(template, otp), channel, req.Aborted).ConfigureAwait(false);
    }
}
