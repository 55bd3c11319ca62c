using Npgsql;
using Supacs.Auth.Http;
using Supacs.Auth.Mail;
using Supacs.Auth.Users;

namespace Supacs.Auth.Sms;

/// <summary>
/// Phone OTPs. No SMS provider is wired yet, so only numbers listed in <c>[auth.sms.test_otp]</c> / SMS_TEST_OTP
/// receive a code (the fixed one, message_id "test-otp"); any other number gets 500 sms_send_failed.
/// </summary>
internal static class SmsFlows
{
    /// <summary>The SMS OTP kinds and the user columns they use.</summary>
    public enum Kind { Confirmation, Recovery, PhoneChange }

    /// <summary>Stores hash(phone + otp) in the kind's column and "sends" it; returns the message id.</summary>
    public static async Task<string> SendAsync(AuthRequest req, NpgsqlConnection conn, NpgsqlTransaction tx, UserRecord user, Kind kind, string phone)
    {
        var o = req.Options;
        var now = DateTime.UtcNow;
        var last = kind switch { Kind.Confirmation => user.ConfirmationSentAt, Kind.Recovery => user.RecoverySentAt, _ => user.PhoneChangeSentAt };
        if (last is { } l && now - l < o.SmsMaxFrequency)
        {
            var wait = (int)Math.Ceiling((o.SmsMaxFrequency - (now - l)).TotalSeconds);
            throw new AuthException(429, "over_sms_send_rate_limit", $"For security purposes, you can only request this after {wait} seconds.");
        }
        if (!o.SmsTestOtp.TryGetValue(phone, out var otp))
            throw new AuthException(500, "sms_send_failed", "Error sending SMS OTP: no SMS provider is configured for this number");
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
        return "test-otp";
    }
}
