using Supacs.Auth.Http;
using Supacs.Auth.Passwords;
using Supacs.Auth.Sessions;
using Supacs.Auth.Users;

namespace Supacs.Auth.Endpoints;

/// <summary>
/// grant_type=password: one bcrypt check whether or not the user exists (no timing oracle), then the
/// banned/unconfirmed checks, then a new session. weak_password is added when the password fails today's policy.
/// </summary>
internal static class TokenPassword
{
    public static async Task HandleAsync(AuthRequest req)
    {
        var o = req.Options;
        var body = await req.BodyAsync().ConfigureAwait(false);
        var email = AuthRequest.Str(body, "email");
        var phone = AuthRequest.Str(body, "phone");
        var password = AuthRequest.Str(body, "password") ?? "";
        if (string.IsNullOrEmpty(email) && string.IsNullOrEmpty(phone))
            throw AuthException.Validation("missing email or phone");
        if (!string.IsNullOrEmpty(email) && !o.EmailEnabled) throw AuthException.BadRequest("email_provider_disabled", "Email logins are disabled");
        if (string.IsNullOrEmpty(email) && !o.PhoneEnabled) throw AuthException.BadRequest("phone_provider_disabled", "Phone logins are disabled");

        await using var conn = await req.Db.OpenConnectionAsync(req.Aborted).ConfigureAwait(false);
        var user = !string.IsNullOrEmpty(email)
            ? await UserStore.FindByEmailAsync(conn, email.Trim(), o.JwtAud, req.Aborted).ConfigureAwait(false)
            : await UserStore.FindByPhoneAsync(conn, phone!.Trim().TrimStart('+'), o.JwtAud, req.Aborted).ConfigureAwait(false);

        var ok = await PasswordHasher.VerifyAsync(password, user?.EncryptedPassword, req.Aborted).ConfigureAwait(false);
        if (user is not null) await Hooks.VerificationAttemptHooks.PasswordAsync(req, conn, user, ok).ConfigureAwait(false);
        if (user is null || !ok) throw AuthException.BadRequest("invalid_credentials", "Invalid login credentials");
        if (user.IsBanned) throw AuthException.BadRequest("user_banned", "User is banned");
        if (!string.IsNullOrEmpty(email) && user.EmailConfirmedAt is null && !o.MailerAutoconfirm)
            throw AuthException.BadRequest("email_not_confirmed", "Email not confirmed");
        if (string.IsNullOrEmpty(email) && user.PhoneConfirmedAt is null && !o.SmsAutoconfirm)
            throw AuthException.BadRequest("phone_not_confirmed", "Phone not confirmed");

        IReadOnlyList<string>? weak = null;
        try
        {
            PasswordHasher.CheckPolicy(o, password);
        }
        catch (AuthException e) when (e.Code == "weak_password")
        {
            weak = e.WeakPasswordReasons;
        }

        await using var tx = await conn.BeginTransactionAsync(req.Aborted).ConfigureAwait(false);
        var session = await SessionService.SignInAsync(req, conn, tx, user, "password").ConfigureAwait(false);
        await tx.CommitAsync(req.Aborted).ConfigureAwait(false);
        await SessionService.WriteAsync(req, session, weak is null ? null : w =>
        {
            w.WriteStartObject("weak_password");
            w.WriteString("message", "Password does not meet the current policy.");
            w.WriteStartArray("reasons");
            foreach (var r in weak) w.WriteStringValue(r);
            w.WriteEndArray();
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }
}
