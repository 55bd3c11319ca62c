using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;
using Supacs.Auth.Http;
using Supacs.Auth.Limits;
using Supacs.Auth.Mail;
using Supacs.Auth.Passwords;
using Supacs.Auth.Sessions;
using Supacs.Auth.Users;

namespace Supacs.Auth.Endpoints;

/// <summary>
/// GET /verify (email links: 303 to redirect_to with the session in the fragment, or ?code= for PKCE, or an
/// error fragment) and POST /verify ({type, token, email} or {type, token_hash} → a session, 403 otp_expired).
/// </summary>
internal static class Verify
{
    private const string Invalid = "Email link is invalid or has expired";
    private const string SingleConfirmation = "Confirmation link accepted. Please proceed to confirm link sent to the other email";

    public static void Map(IEndpointRouteBuilder group)
    {
        group.MapAuth("GET", "/verify", GetAsync);
        group.MapAuth("POST", "/verify", PostAsync);
    }

    private abstract record Outcome;
    private sealed record SessionOutcome(IssuedSession Session) : Outcome;
    private sealed record PkceOutcome(string AuthCode) : Outcome;
    private sealed record HalfEmailChange : Outcome;

    private static async Task GetAsync(AuthRequest req)
    {
        RateLimits.Check(req, "verify");
        var type = req.Query("type") ?? "";
        var token = req.Query("token") ?? "";
        var redirectTo = Redirects.Resolve(req, req.Query("redirect_to"));
        Outcome outcome;
        try
        {
            if (token.Length == 0) throw AuthException.Forbidden("otp_expired", Invalid);
            outcome = await VerifyAsync(req, type, hash: token, otp: null, address: null).ConfigureAwait(false);
        }
        catch (AuthException e)
        {
            var error = e.Status >= 500 ? "server_error" : "access_denied";
            var code = e.Code == "otp_expired" ? "otp_expired" : e.Code;
            var fragment = $"error={error}&error_code={code}&error_description={Uri.EscapeDataString(e.Message).Replace("%20", "+", StringComparison.Ordinal)}";
            var target = token.StartsWith("pkce_", StringComparison.Ordinal) ? AppendQuery(redirectTo, fragment) : redirectTo;
            Redirect(req, target + "#" + fragment);
            return;
        }
        switch (outcome)
        {
            case SessionOutcome s:
                var se = s.Session;
                Redirect(req, $"{redirectTo}#access_token={se.AccessToken}&expires_at={se.ExpiresAt}&expires_in={se.ExpiresIn}" +
                              $"&refresh_token={se.RefreshToken}&token_type=bearer&type={type}");
                break;
            case PkceOutcome p:
                Redirect(req, AppendQuery(redirectTo, "code=" + p.AuthCode));
                break;
            default:
                Redirect(req, redirectTo + "#message=" + Uri.EscapeDataString(SingleConfirmation).Replace("%20", "+", StringComparison.Ordinal) + "&sb=");
                break;
        }
    }

    private static async Task PostAsync(AuthRequest req)
    {
        RateLimits.Check(req, "verify");
        var body = await req.BodyAsync().ConfigureAwait(false);
        var type = AuthRequest.Str(body, "type") ?? "";
        var tokenHash = AuthRequest.Str(body, "token_hash");
        var token = AuthRequest.Str(body, "token");
        var email = AuthRequest.Str(body, "email");
        var phone = AuthRequest.Str(body, "phone");
        if (string.IsNullOrEmpty(type)) throw AuthException.Validation("Verify requires a verification type");
        if (string.IsNullOrEmpty(tokenHash) && string.IsNullOrEmpty(token)) throw AuthException.Validation("Verify requires either a token or a token hash");
        if (string.IsNullOrEmpty(tokenHash) && string.IsNullOrEmpty(email) && string.IsNullOrEmpty(phone))
            throw AuthException.Validation("Only an email address or phone number should be provided on verify");
        var address = !string.IsNullOrEmpty(email) ? UserFactory.ValidateEmail(email) : phone is null ? null : UserFactory.ValidatePhone(phone);
        if (type is "sms" or "phone_change" && !string.IsNullOrEmpty(email))
            throw AuthException.Validation("Only a phone number should be provided for SMS verification");
        var outcome = await VerifyAsync(req, type, tokenHash, token, address).ConfigureAwait(false);
        switch (outcome)
        {
            case SessionOutcome s:
                await SessionService.WriteAsync(req, s.Session).ConfigureAwait(false);
                break;
            case HalfEmailChange:
                await JsonResponse.WriteAsync(req.Http, 200, w =>
                {
                    w.WriteStartObject();
                    w.WriteString("msg", SingleConfirmation);
                    w.WriteString("code", "200");
                    w.WriteEndObject();
                }).ConfigureAwait(false);
                break;
            default:
                throw AuthException.Forbidden("otp_expired", "Token has expired or is invalid");
        }
    }

    private static string[] ColumnsFor(string type) => type switch
    {
        "signup" or "invite" => ["confirmation_token"],
        "recovery" or "magiclink" => ["recovery_token"],
        "email" => ["confirmation_token", "recovery_token"],
        "email_change" => ["email_change_token_new", "email_change_token_current"],
        "sms" => ["confirmation_token", "recovery_token"],
        "phone_change" => ["phone_change_token"],
        _ => throw AuthException.Validation("Verify requires a verification type"),
    };

    private static async Task<Outcome> VerifyAsync(AuthRequest req, string type, string? hash, string? otp, string? address)
    {
        var o = req.Options;
        var columns = ColumnsFor(type);
        await using var conn = await req.Db.OpenConnectionAsync(req.Aborted).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(req.Aborted).ConfigureAwait(false);

        UserRecord? user = null;
        string? column = null;
        if (hash is { Length: > 0 })
        {
            foreach (var c in columns)
            {
                user = await UserStore.FindByTokenAsync(conn, c, hash, req.Aborted, tx).ConfigureAwait(false);
                if (user is not null) { column = c; break; }
            }
        }
        else if (address is not null && otp is not null)
        {
            user = type switch
            {
                "sms" => await UserStore.FindByPhoneAsync(conn, address, o.JwtAud, req.Aborted, tx).ConfigureAwait(false),
                "phone_change" => null,
                _ => await UserStore.FindByEmailAsync(conn, address, o.JwtAud, req.Aborted, tx).ConfigureAwait(false),
            };
            if (user is null && type is "email_change" or "phone_change")
            {
                var changeColumn = type == "email_change" ? "lower(email_change) = lower($1)" : "phone_change = $1";
                await using var cmd = new NpgsqlCommand($"SELECT id FROM auth.users WHERE {changeColumn} LIMIT 1", conn, tx);
                cmd.Parameters.Add(new NpgsqlParameter { Value = address });
                if (await cmd.ExecuteScalarAsync(req.Aborted).ConfigureAwait(false) is Guid id)
                    user = await UserStore.FindByIdAsync(conn, id, req.Aborted, tx).ConfigureAwait(false);
            }
            if (user is not null)
            {
                var expected = OneTimeTokens.Hash(address, otp);
                foreach (var c in columns)
                {
                    var stored = StoredToken(user, c);
                    if (stored is not null && (PasswordHasher.SecureEquals(stored, expected) || PasswordHasher.SecureEquals(stored, "pkce_" + expected)))
                    {
                        column = c;
                        hash = stored;
                        break;
                    }
                }
            }
        }
        if (user is null || column is null || hash is null) throw AuthException.Forbidden("otp_expired", "Token has expired or is invalid");

        var sentAt = column switch
        {
            "confirmation_token" => user.ConfirmationSentAt,
            "recovery_token" => user.RecoverySentAt,
            "phone_change_token" => user.PhoneChangeSentAt,
            _ => user.EmailChangeSentAt,
        };
        var isSms = type is "sms" or "phone_change";
        if (sentAt is not { } sent || DateTime.UtcNow - sent > TimeSpan.FromSeconds(isSms ? o.SmsOtpExpiry : o.MailerOtpExpiry))
            throw AuthException.Forbidden("otp_expired", hash.Length > 0 && otp is null ? Invalid : "Token has expired or is invalid");
        if (user.IsBanned) throw AuthException.Forbidden("user_banned", "User is banned");

        var now = DateTime.UtcNow;
        string tokenType;
        switch (column)
        {
            case "confirmation_token" or "recovery_token" when isSms:
                if (column == "confirmation_token") user.ConfirmationToken = "";
                else user.RecoveryToken = "";
                user.PhoneConfirmedAt ??= now;
                tokenType = column;
                await MarkPhoneVerifiedAsync(conn, tx, user, req.Aborted).ConfigureAwait(false);
                break;
            case "phone_change_token":
                user.Phone = user.PhoneChange;
                user.PhoneChange = "";
                user.PhoneChangeToken = "";
                user.PhoneConfirmedAt = now;
                tokenType = column;
                break;
            case "confirmation_token":
                user.ConfirmationToken = "";
                user.EmailConfirmedAt ??= now;
                tokenType = "confirmation_token";
                break;
            case "recovery_token":
                user.RecoveryToken = "";
                user.EmailConfirmedAt ??= now;
                tokenType = "recovery_token";
                break;
            default:
                tokenType = column;
                if (column == "email_change_token_new") user.EmailChangeTokenNew = "";
                else user.EmailChangeTokenCurrent = "";
                var secondPending = !string.IsNullOrEmpty(user.EmailChangeTokenNew) || !string.IsNullOrEmpty(user.EmailChangeTokenCurrent);
                if (o.SecureEmailChange && secondPending && user.EmailChangeConfirmStatus == 0)
                {
                    user.EmailChangeConfirmStatus = 1;
                    await UserStore.UpdateAsync(conn, tx, user, req.Aborted).ConfigureAwait(false);
                    await OneTimeTokens.DeleteAsync(conn, tx, user.Id, tokenType, req.Aborted).ConfigureAwait(false);
                    await tx.CommitAsync(req.Aborted).ConfigureAwait(false);
                    return new HalfEmailChange();
                }
                var newEmail = user.EmailChange!;
                user.Email = newEmail;
                user.EmailChange = "";
                user.EmailChangeTokenNew = "";
                user.EmailChangeTokenCurrent = "";
                user.EmailChangeConfirmStatus = 0;
                user.EmailConfirmedAt ??= now;
                await UpdateUser.UpdateEmailIdentityAsync(conn, tx, user, newEmail, req.Aborted).ConfigureAwait(false);
                await OneTimeTokens.DeleteAsync(conn, tx, user.Id, "email_change_token_new", req.Aborted).ConfigureAwait(false);
                break;
        }
        if (!isSms) await UserFactory.MarkEmailVerifiedAsync(conn, tx, user, req.Aborted).ConfigureAwait(false);
        await UserStore.UpdateAsync(conn, tx, user, req.Aborted).ConfigureAwait(false);
        await OneTimeTokens.DeleteAsync(conn, tx, user.Id, tokenType, req.Aborted).ConfigureAwait(false);

        if (hash.StartsWith("pkce_", StringComparison.Ordinal))
        {
            await using var cmd = new NpgsqlCommand(
                "UPDATE auth.flow_state SET auth_code_issued_at = now(), updated_at = now() WHERE id = (" +
                "SELECT id FROM auth.flow_state WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1) RETURNING auth_code", conn, tx);
            cmd.Parameters.Add(new NpgsqlParameter { Value = user.Id });
            var code = await cmd.ExecuteScalarAsync(req.Aborted).ConfigureAwait(false) as string
                ?? throw AuthException.NotFound("flow_state_not_found", "No associated flow state found");
            await tx.CommitAsync(req.Aborted).ConfigureAwait(false);
            return new PkceOutcome(code);
        }
        await UserStore.LoadRelatedAsync(conn, user, req.Aborted, tx).ConfigureAwait(false);
        var session = await SessionService.SignInAsync(req, conn, tx, user, "otp").ConfigureAwait(false);
        await tx.CommitAsync(req.Aborted).ConfigureAwait(false);
        return new SessionOutcome(session);
    }

    private static string? StoredToken(UserRecord u, string column) => column switch
    {
        "confirmation_token" => u.ConfirmationToken,
        "recovery_token" => u.RecoveryToken,
        "email_change_token_new" => u.EmailChangeTokenNew,
        "email_change_token_current" => u.EmailChangeTokenCurrent,
        "phone_change_token" => u.PhoneChangeToken,
        _ => null,
    };

    private static async Task MarkPhoneVerifiedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, UserRecord user, CancellationToken ct)
    {
        foreach (var identity in user.Identities.Where(i => i.Provider == "phone"))
        {
            identity.IdentityData["phone_verified"] = true;
            await UserStore.UpdateIdentityDataAsync(conn, tx, identity, ct).ConfigureAwait(false);
        }
        if (user.UserMetadata.ContainsKey("phone_verified")) user.UserMetadata["phone_verified"] = true;
    }

    private static string AppendQuery(string url, string query) => url + (url.Contains('?', StringComparison.Ordinal) ? "&" : "?") + query;

    private static void Redirect(AuthRequest req, string location)
    {
        req.Http.Response.StatusCode = StatusCodes.Status303SeeOther;
        req.Http.Response.Headers.Location = location;
    }

}
