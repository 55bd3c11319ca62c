using Microsoft.AspNetCore.Routing;
using Npgsql;
using Supacs.Auth.Http;
using Supacs.Auth.Mail;
using Supacs.Auth.Passwords;
using Supacs.Auth.Sessions;
using Supacs.Auth.Users;

namespace Supacs.Auth.Endpoints.Admin;

/// <summary>
/// POST /admin/generate_link: prepares the link and OTP of a signup, invite, magiclink, recovery or email change
/// without sending mail; answers the User's fields flattened with action_link, email_otp, hashed_token,
/// verification_type and redirect_to.
/// </summary>
internal static class AdminGenerateLink
{
    public static void Map(IEndpointRouteBuilder group) => group.MapAuth("POST", "/admin/generate_link", HandleAsync);

    private static async Task HandleAsync(AuthRequest req)
    {
        await Authentication.RequireAdminAsync(req).ConfigureAwait(false);
        var o = req.Options;
        var body = await req.BodyAsync().ConfigureAwait(false);
        var type = AuthRequest.Str(body, "type") ?? "";
        var email = UserFactory.ValidateEmail(AuthRequest.Str(body, "email") ?? "");
        var redirectTo = Redirects.Resolve(req, AuthRequest.Str(body, "redirect_to") ?? req.Query("redirect_to"));
        var data = AuthRequest.Obj(body, "data");

        await using var conn = await req.Db.OpenConnectionAsync(req.Aborted).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(req.Aborted).ConfigureAwait(false);
        var user = await UserStore.FindByEmailAsync(conn, email, o.JwtAud, req.Aborted, tx).ConfigureAwait(false);
        PreparedLink link;
        switch (type)
        {
            case "signup":
            {
                var password = AuthRequest.Str(body, "password") ?? "";
                if (password.Length == 0) throw AuthException.Validation("Signup requires a valid password");
                PasswordHasher.CheckPolicy(o, password);
                if (user is not null && user.EmailConfirmedAt is not null)
                    throw AuthException.Unprocessable("email_exists", "A user with this email address has already been registered");
                if (user is null)
                {
                    user = UserFactory.New(o, email, null, PasswordHasher.Hash(password), data, "email");
                    await UserFactory.InsertWithIdentityAsync(req, conn, tx, user, "email").ConfigureAwait(false);
                }
                link = await EmailFlows.PrepareAsync(req, conn, tx, user, EmailAction.Signup, redirectTo, send: false, checkFrequency: false).ConfigureAwait(false);
                break;
            }
            case "invite":
            {
                if (user is not null && user.EmailConfirmedAt is not null)
                    throw AuthException.Unprocessable("email_exists", "A user with this email address has already been registered");
                if (user is null)
                {
                    user = UserFactory.New(o, email, null, null, data, "email");
                    await UserFactory.InsertWithIdentityAsync(req, conn, tx, user, "email").ConfigureAwait(false);
                }
                link = await EmailFlows.PrepareAsync(req, conn, tx, user, EmailAction.Invite, redirectTo, send: false, checkFrequency: false).ConfigureAwait(false);
                break;
            }
            case "magiclink" or "recovery":
            {
                if (user is null)
                {
                    if (type == "recovery") throw AuthException.NotFound("user_not_found", "User with this email not found");
                    user = UserFactory.New(o, email, null, null, data, "email");
                    await UserFactory.InsertWithIdentityAsync(req, conn, tx, user, "email").ConfigureAwait(false);
                }
                link = await EmailFlows.PrepareAsync(req, conn, tx, user, type == "recovery" ? EmailAction.Recovery : EmailAction.MagicLink,
                    redirectTo, send: false, checkFrequency: false).ConfigureAwait(false);
                break;
            }
            case "email_change_current" or "email_change_new":
            {
                if (user is null) throw AuthException.NotFound("user_not_found", "User with this email not found");
                var newEmail = UserFactory.ValidateEmail(AuthRequest.Str(body, "new_email") ?? "");
                if (await UserStore.FindByEmailAsync(conn, newEmail, o.JwtAud, req.Aborted, tx).ConfigureAwait(false) is not null)
                    throw AuthException.Unprocessable("email_exists", "A user with this email address has already been registered");
                user.EmailChangeSentAt = null;
                await EmailChange.StartAsync(req, conn, tx, user, newEmail, send: false).ConfigureAwait(false);
                await UserStore.UpdateAsync(conn, tx, user, req.Aborted).ConfigureAwait(false);
                var hash = type == "email_change_new" ? user.EmailChangeTokenNew! : user.EmailChangeTokenCurrent!;
                // The OTP is not recoverable from its hash, so prepare a fresh pair for the side asked about.
                var otp = OneTimeTokens.NewOtp(o.MailerOtpLength);
                var addr = type == "email_change_new" ? newEmail : email;
                hash = OneTimeTokens.Hash(addr, otp);
                if (type == "email_change_new") user.EmailChangeTokenNew = hash;
                else user.EmailChangeTokenCurrent = hash;
                await UserStore.UpdateAsync(conn, tx, user, req.Aborted).ConfigureAwait(false);
                await OneTimeTokens.SaveAsync(conn, tx, user.Id, type == "email_change_new" ? "email_change_token_new" : "email_change_token_current", hash, addr, req.Aborted).ConfigureAwait(false);
                var url = $"{o.ApiExternalUrl}/verify?token={Uri.EscapeDataString(hash)}&type=email_change&redirect_to={Uri.EscapeDataString(redirectTo)}";
                link = new PreparedLink(otp, hash, url, redirectTo, type);
                break;
            }
            default:
                throw AuthException.Validation("Invalid type: " + type);
        }
        await UserStore.LoadRelatedAsync(conn, user, req.Aborted, tx).ConfigureAwait(false);
        await tx.CommitAsync(req.Aborted).ConfigureAwait(false);
        await JsonResponse.WriteAsync(req.Http, 200, w =>
        {
            w.WriteStartObject();
            UserJson.WriteFields(w, user);
            w.WriteString("action_link", link.ActionLink);
            w.WriteString("email_otp", link.Otp);
            w.WriteString("hashed_token", link.TokenHash);
            w.WriteString("verification_type", link.VerificationType);
            w.WriteString("redirect_to", link.RedirectTo);
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }
}
