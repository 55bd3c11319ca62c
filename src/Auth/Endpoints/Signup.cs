using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Routing;
using Supacs.Auth.Http;
using Supacs.Auth.Limits;
using Supacs.Auth.Mail;
using Supacs.Auth.Passwords;
using Supacs.Auth.Sessions;
using Supacs.Auth.Users;

namespace Supacs.Auth.Endpoints;

/// <summary>
/// POST /signup: email+password, phone+password, or anonymous. Autoconfirm on → a session; off → the bare
/// User with confirmation_sent_at; a confirmed duplicate gets 422 (autoconfirm) or a fake user (no enumeration).
/// </summary>
internal static class Signup
{
    public static void Map(IEndpointRouteBuilder group) => group.MapAuth("POST", "/signup", HandleAsync);

    private static async Task HandleAsync(AuthRequest req)
    {
        var o = req.Options;
        var body = await req.BodyAsync().ConfigureAwait(false);
        RateLimits.Check(req, "signup");
        if (o.DisableSignup) throw AuthException.Unprocessable("signup_disabled", "Signups not allowed for this instance");
        var email = AuthRequest.Str(body, "email");
        var phone = AuthRequest.Str(body, "phone");
        var password = AuthRequest.Str(body, "password") ?? "";
        JsonElement? data = AuthRequest.Obj(body, "data");

        if (string.IsNullOrEmpty(email) && string.IsNullOrEmpty(phone))
        {
            await AnonymousAsync(req, data).ConfigureAwait(false);
            return;
        }
        if (!string.IsNullOrEmpty(email) && !string.IsNullOrEmpty(phone))
            throw AuthException.Validation("Only an email address or phone number should be provided on signup.");

        string provider;
        if (!string.IsNullOrEmpty(email))
        {
            if (!o.EmailEnabled) throw AuthException.BadRequest("email_provider_disabled", "Email signups are disabled");
            email = UserFactory.ValidateEmail(email);
            provider = "email";
        }
        else
        {
            if (!o.PhoneEnabled) throw AuthException.BadRequest("phone_provider_disabled", "Phone signups are disabled");
            phone = UserFactory.ValidatePhone(phone!);
            provider = "phone";
        }
        if (password.Length == 0) throw AuthException.Validation("Signup requires a valid password");
        PasswordHasher.CheckPolicy(o, password);
        var autoconfirm = provider == "email" ? o.MailerAutoconfirm : o.SmsAutoconfirm;
        var redirectTo = Redirects.Resolve(req, req.Query("redirect_to"));

        await using var conn = await req.Db.OpenConnectionAsync(req.Aborted).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(req.Aborted).ConfigureAwait(false);
        var existing = provider == "email"
            ? await UserStore.FindByEmailAsync(conn, email!, o.JwtAud, req.Aborted, tx).ConfigureAwait(false)
            : await UserStore.FindByPhoneAsync(conn, phone!, o.JwtAud, req.Aborted, tx).ConfigureAwait(false);

        UserRecord user;
        if (existing is not null)
        {
            var confirmed = provider == "email" ? existing.EmailConfirmedAt is not null : existing.PhoneConfirmedAt is not null;
            if (confirmed)
            {
                if (autoconfirm) throw AuthException.Unprocessable("user_already_exists", "User already registered");
                await JsonResponse.WriteAsync(req.Http, 200, w => UserJson.Write(w, FakeUser(req, email, phone, data, provider))).ConfigureAwait(false);
                return;
            }
            user = existing;
            user.EncryptedPassword = PasswordHasher.Hash(password);
            if (data is { } d) foreach (var (k, v) in JsonNode.Parse(d.GetRawText())!.AsObject()) user.UserMetadata[k] = v?.DeepClone();
            await UserStore.UpdateAsync(conn, tx, user, req.Aborted).ConfigureAwait(false);
        }
        else
        {
            user = UserFactory.New(o, email, phone, PasswordHasher.Hash(password), data, provider);
            if (autoconfirm)
            {
                if (provider == "email") user.EmailConfirmedAt = user.CreatedAt;
                else user.PhoneConfirmedAt = user.CreatedAt;
            }
            await UserFactory.InsertWithIdentityAsync(req, conn, tx, user, provider).ConfigureAwait(false);
            await Audit.AuditLog.WriteAsync(req, conn, tx, user, "user_signedup", "team", Audit.AuditLog.Provider(provider)).ConfigureAwait(false);
        }

        if (autoconfirm)
        {
            if (provider == "email" && user.EmailConfirmedAt is null)
            {
                user.EmailConfirmedAt = DateTime.UtcNow;
                await UserFactory.MarkEmailVerifiedAsync(conn, tx, user, req.Aborted).ConfigureAwait(false);
                await UserStore.UpdateAsync(conn, tx, user, req.Aborted).ConfigureAwait(false);
            }
            var session = await SessionService.SignInAsync(req, conn, tx, user, "password").ConfigureAwait(false);
            await UserStore.LoadRelatedAsync(conn, user, req.Aborted, tx).ConfigureAwait(false);
            await tx.CommitAsync(req.Aborted).ConfigureAwait(false);
            await SessionService.WriteAsync(req, session).ConfigureAwait(false);
            return;
        }

        if (provider == "email")
            await EmailFlows.PrepareAsync(req, conn, tx, user, EmailAction.Signup, redirectTo, send: true).ConfigureAwait(false);
        else
            await Sms.SmsFlows.SendAsync(req, conn, tx, user, Sms.SmsFlows.Kind.Confirmation, phone!).ConfigureAwait(false);
        await UserStore.LoadRelatedAsync(conn, user, req.Aborted, tx).ConfigureAwait(false);
        await tx.CommitAsync(req.Aborted).ConfigureAwait(false);
        await JsonResponse.WriteAsync(req.Http, 200, w => UserJson.Write(w, user)).ConfigureAwait(false);
    }

    private static async Task AnonymousAsync(AuthRequest req, JsonElement? data)
    {
        if (!req.Options.AnonymousUsersEnabled)
            throw AuthException.Unprocessable("anonymous_provider_disabled", "Anonymous sign-ins are disabled");
        RateLimits.Check(req, "anonymous");
        await using var conn = await req.Db.OpenConnectionAsync(req.Aborted).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(req.Aborted).ConfigureAwait(false);
        var user = UserFactory.New(req.Options, null, null, null, data, "anonymous");
        await UserFactory.InsertWithIdentityAsync(req, conn, tx, user, null).ConfigureAwait(false);
        var session = await SessionService.SignInAsync(req, conn, tx, user, "anonymous").ConfigureAwait(false);
        await tx.CommitAsync(req.Aborted).ConfigureAwait(false);
        await SessionService.WriteAsync(req, session).ConfigureAwait(false);
    }

    /// <summary>What GoTrue answers for a confirmed duplicate when confirmations are on: a user that does not exist.</summary>
    private static UserRecord FakeUser(AuthRequest req, string? email, string? phone, JsonElement? data, string provider)
    {
        var user = UserFactory.New(req.Options, email, phone, null, data, provider);
        user.ConfirmationSentAt = user.CreatedAt;
        return user;
    }
}
