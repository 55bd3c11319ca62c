using Microsoft.AspNetCore.Routing;
using Supacs.Auth.Http;
using Supacs.Auth.Limits;
using Supacs.Auth.Mail;
using Supacs.Auth.Users;

namespace Supacs.Auth.Endpoints;

/// <summary>POST /recover {email} → always {} (no enumeration); known users get the recovery email.</summary>
internal static class Recover
{
    public static void Map(IEndpointRouteBuilder group) => group.MapAuth("POST", "/recover", async req =>
    {
        var body = await req.BodyAsync().ConfigureAwait(false);
        RateLimits.Check(req, "recover");
        var raw = AuthRequest.Str(body, "email");
        if (string.IsNullOrEmpty(raw)) throw AuthException.Validation("Password recovery requires an email");
        var email = UserFactory.ValidateEmail(raw);
        var redirectTo = Redirects.Resolve(req, req.Query("redirect_to"));
        await using var conn = await req.Db.OpenConnectionAsync(req.Aborted).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(req.Aborted).ConfigureAwait(false);
        var user = await UserStore.FindByEmailAsync(conn, email, req.Options.JwtAud, req.Aborted, tx).ConfigureAwait(false);
        if (user is not null)
        {
            await EmailFlows.PrepareAsync(req, conn, tx, user, EmailAction.Recovery, redirectTo, send: true).ConfigureAwait(false);
            await Audit.AuditLog.WriteAsync(req, conn, tx, user, "user_recovery_requested", "user").ConfigureAwait(false);
            await tx.CommitAsync(req.Aborted).ConfigureAwait(false);
        }
        await JsonResponse.EmptyObjectAsync(req.Http).ConfigureAwait(false);
    });
}
