using Microsoft.AspNetCore.Routing;
using Npgsql;
using Supacs.Auth.Http;
using Supacs.Auth.Mfa;
using Supacs.Auth.Sessions;
using Supacs.Auth.Users;

namespace Supacs.Auth.Endpoints.Mfa;

/// <summary>
/// POST /factors/{id}/verify {challenge_id, code}: checks the TOTP code (±1 step) or the phone challenge's OTP, marks
/// factor and challenge verified and returns a session with the same session_id at aal2 (amr gains totp / mfa/phone).
/// </summary>
internal static class VerifyFactor
{
    public static void Map(IEndpointRouteBuilder group) => group.MapAuth("POST", "/factors/{factorId}/verify", async req =>
    {
        var body = await req.BodyAsync().ConfigureAwait(false);
        var code = (AuthRequest.Str(body, "code") ?? "").Trim();
        if (!Guid.TryParse(AuthRequest.Str(body, "challenge_id"), out var challengeId))
            throw AuthException.Validation("challenge_id must be a valid UUID");
        await using var conn = await req.Db.OpenConnectionAsync(req.Aborted).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(req.Aborted).ConfigureAwait(false);
        var caller = await Authentication.RequireUserAsync(req, conn, tx).ConfigureAwait(false);
        var factor = FactorStore.RequireOwned(caller.User, req);
        if (caller.SessionId is not { } sessionId) throw AuthException.Forbidden("session_not_found", "Session from session_id claim in JWT does not exist");

        if (factor.FactorType == "phone" && !req.Options.MfaPhoneVerifyEnabled)
            throw AuthException.Unprocessable("mfa_phone_verify_not_enabled", "MFA verification is disabled for phone");
        DateTime created;
        DateTime? verifiedAt;
        string ip;
        string? otpCode;
        await using (var cmd = new NpgsqlCommand(
            "SELECT created_at, verified_at, host(ip_address), otp_code FROM auth.mfa_challenges WHERE id = $1 AND factor_id = $2 FOR UPDATE", conn, tx))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = challengeId });
            cmd.Parameters.Add(new NpgsqlParameter { Value = factor.Id });
            await using var r = await cmd.ExecuteReaderAsync(req.Aborted).ConfigureAwait(false);
            if (!await r.ReadAsync(req.Aborted).ConfigureAwait(false))
                throw AuthException.NotFound("mfa_factor_not_found", "MFA factor with the provided challenge ID not found");
            created = r.GetDateTime(0);
            verifiedAt = r.IsDBNull(1) ? null : r.GetDateTime(1);
            ip = r.GetString(2);
            otpCode = r.IsDBNull(3) ? null : r.GetString(3);
        }
        if (verifiedAt is not null || DateTime.UtcNow - created > TimeSpan.FromSeconds(Challenge.ExpirySeconds))
            throw AuthException.Unprocessable("mfa_challenge_expired", $"MFA challenge {challengeId} has expired, verify against another challenge or create a new challenge.");
        var callerIp = System.Net.IPAddress.TryParse(req.ClientIp, out var parsed) ? parsed.ToString() : "127.0.0.1";
        if (ip != callerIp) throw AuthException.Unprocessable("mfa_ip_address_mismatch", "Challenge and verify IP addresses mismatch.");
        var valid = factor.FactorType == "phone"
            ? otpCode is not null && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.UTF8.GetBytes(otpCode), System.Text.Encoding.UTF8.GetBytes(code))
            : factor.Secret is not null && Totp.Verify(factor.Secret, code);
        await Hooks.VerificationAttemptHooks.MfaAsync(req, conn, tx, caller.User, factor, valid).ConfigureAwait(false);
        if (!valid)
            throw AuthException.Unprocessable("mfa_verification_failed", factor.FactorType == "phone" ? "Invalid MFA Phone code entered" : "Invalid TOTP code entered");

        await Db.ExecAsync(conn, tx, req.Aborted,
            ("UPDATE auth.mfa_challenges SET verified_at = now() WHERE id = $1", [challengeId]),
            ("UPDATE auth.mfa_factors SET status = 'verified', updated_at = now() WHERE id = $1", [factor.Id])).ConfigureAwait(false);
        await Audit.AuditLog.WriteAsync(req, conn, tx, caller.User, "verification_attempted", "factor", new System.Text.Json.Nodes.JsonObject
        {
            ["factor_id"] = factor.Id.ToString(), ["challenge_id"] = challengeId.ToString(), ["factor_type"] = factor.FactorType,
        }).ConfigureAwait(false);
        var session = await FactorStore.StepUpAsync(req, conn, tx, caller.User, sessionId, factor.Id, factor.FactorType == "phone" ? "mfa/phone" : "totp").ConfigureAwait(false);
        await UserStore.LoadRelatedAsync(conn, caller.User, req.Aborted, tx).ConfigureAwait(false);
        await tx.CommitAsync(req.Aborted).ConfigureAwait(false);
        await SessionService.WriteAsync(req, session).ConfigureAwait(false);
    });
}
