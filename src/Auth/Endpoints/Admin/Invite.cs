using Microsoft.AspNetCore.Routing;
using Supacs.Auth.Http;
using Supacs.Auth.Mail;
using Supacs.Auth.Sessions;
using Supacs.Auth.Users;

namespace Supacs.Auth.Endpoints.Admin;

/// <summary>POST /invite {email, data?} (admin) → the invited User; the invite email carries a link and OTP.</summary>
internal static class Invite
{
    public static void Map(IEndpointRouteBuilder group) => group.MapAuth("POST", "/invite", async req =>
    {
        await Authentication.RequireAdminAsync(req).ConfigureAwait(false);
        var o = req.Options;
        var body = await req.BodyAsync().ConfigureAwait(false);
        var email = UserFactory.ValidateEmail(AuthRequest.Str(body, "email") ?? "");
        var redirectTo = Redirects.Resolve(req, req.Query("redirect_to"));
        await using var conn = await req.Db.OpenConnectionAsync(req.Aborted).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(req.Aborted).ConfigureAwait(false);
        var user = await UserStore.FindByEmailAsync(conn, email, o.JwtAud, req.Aborted, tx).ConfigureAwait(false);
        if (user is not null && user.EmailConfirmedAt is not null)
            throw AuthException.Unprocessable("email_exists", "A user with this email address has already been registered");
        if (user is null)
        {
            user = UserFactory.New(o, email, null, null, AuthRequest.Obj(body, "data"), "email");
            await UserFactory.InsertWithIdentityAsync(req, conn, tx, user, "email").ConfigureAwait(false);
        }
        await EmailFlows.PrepareAsync(req, conn, tx, user, EmailAction.Invite, redirectTo, send: true, checkFrequency: false).ConfigureAwait(false);
        await Audit.AuditLog.WriteAsync(req, conn, tx, user, "user_invited", "team").ConfigureAwait(false);
        await UserStore.LoadRelatedAsync(conn, user, req.Aborted, tx).ConfigureAwait(false);
        await tx.CommitAsync(req.Aborted).ConfigureAwait(false);
        await JsonResponse.WriteAsync(req.Http, 200, w => UserJson.Write(w, user)).ConfigureAwait(false);
    });
}
