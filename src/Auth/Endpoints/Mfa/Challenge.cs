using Microsoft.AspNetCore.Routing;
using Npgsql;
using NpgsqlTypes;
using Supacs.Auth.Http;
using Supacs.Auth.Mfa;
using Supacs.Auth.Sessions;
using Supacs.Auth.Users;

namespace Supacs.Auth.Endpoints.Mfa;

/// <summary>
/// POST /factors/{id}/challenge {channel?} → {id, type, expires_at}; the challenge remembers the caller's IP. For a phone
/// factor a fresh OTP (MFA_PHONE_OTP_LENGTH, MFA_PHONE_TEMPLATE) is sent through the SMS provider — or the number's
/// [auth.sms.test_otp] code is used — and kept in mfa_challenges.otp_code; MFA_PHONE_MAX_FREQUENCY applies.
/// </summary>
internal static class Challenge
{
    public const int ExpirySeconds = 300;

    public static void Map(IEndpointRouteBuilder group) => group.MapAuth("POST", "/factors/{factorId}/challenge", async req =>
    {
        await using var conn = await req.Db.OpenConnectionAsync(req.Aborted).ConfigureAwait(false);
        var caller = await Authentication.RequireUserAsync(req, conn).ConfigureAwait(false);
        var factor = FactorStore.RequireOwned(caller.User, req);
        var id = Guid.NewGuid();
        var now = DateTime.UtcNow;
        var ip = System.Net.IPAddress.TryParse(req.ClientIp, out var parsed) ? parsed.ToString() : "127.0.0.1";
        var at = new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz };
        object otpCode = DBNull.Value;
        if (factor.FactorType == "phone")
            otpCode = await SendPhoneOtpAsync(req, conn, caller.User, factor, now).ConfigureAwait(false);
        await Db.ExecAsync(conn, null, req.Aborted,
            ("INSERT INTO auth.mfa_challenges (id, factor_id, created_at, ip_address, otp_code) VALUES ($1, $2, $3, $4::inet, $5)",
                [id, factor.Id, at, ip, new NpgsqlParameter { Value = otpCode, NpgsqlDbType = NpgsqlDbType.Text }]),
            ("UPDATE auth.mfa_factors SET last_challenged_at = $2 WHERE id = $1", [factor.Id, new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz }])).ConfigureAwait(false);
        await Audit.AuditLog.WriteAsync(req, conn, null, caller.User, "challenge_created", "factor", new System.Text.Json.Nodes.JsonObject
        {
            ["factor_id"] = factor.Id.ToString(), ["factor_status"] = factor.Status,
        }).ConfigureAwait(false);
        await JsonResponse.WriteAsync(req.Http, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("id", id);
            w.WriteString("type", factor.FactorType);
            w.WriteNumber("expires_at", new DateTimeOffset(now).ToUnixTimeSeconds() + ExpirySeconds);
            w.WriteEndObject();
        }).ConfigureAwait(false);
    });

    private static async Task<string> SendPhoneOtpAsync(AuthRequest req, NpgsqlConnection conn, UserRecord user, FactorRecord factor, DateTime now)
    {
        var o = req.Options;
        if (!o.MfaPhoneVerifyEnabled) throw AuthException.Unprocessable("mfa_phone_verify_not_enabled", "MFA verification is disabled for phone");
        var body = await req.BodyAsync().ConfigureAwait(false);
        var channel = AuthRequest.Str(body, "channel") is { Length: > 0 } c ? c : "sms";
        if (channel is not ("sms" or "whatsapp") || channel == "whatsapp" && o.SmsProvider != "twilio")
            throw AuthException.Validation("Invalid channel: only sms, or whatsapp with Twilio, is supported");
        await using (var cmd = new NpgsqlCommand(
            "SELECT max(created_at) FROM auth.mfa_challenges WHERE factor_id = $1 AND created_at > $2", conn))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = factor.Id });
            cmd.Parameters.Add(new NpgsqlParameter { Value = now.AddSeconds(-ExpirySeconds), NpgsqlDbType = NpgsqlDbType.TimestampTz });
            if (await cmd.ExecuteScalarAsync(req.Aborted).ConfigureAwait(false) is DateTime last && now - last < o.MfaPhoneMaxFrequency)
            {
                var wait = (int)Math.Ceiling((o.MfaPhoneMaxFrequency - (now - last)).TotalSeconds);
                throw new AuthException(429, "over_sms_send_rate_limit", $"For security purposes, you can only request this after {wait} seconds.");
            }
        }
        var phone = factor.Phone ?? throw AuthException.Validation("The phone factor has no phone number");
        if (o.SmsTestOtp.TryGetValue(phone, out var testOtp)) return testOtp;
        var otp = Sms.SmsSender.NewOtp(o.MfaPhoneOtpLength);
        await Sms.SmsFlows.DeliverAsync(req, conn, null, user, phone, otp, o.MfaPhoneTemplate, channel, "mfa").ConfigureAwait(false);
        return otp;
    }
}
