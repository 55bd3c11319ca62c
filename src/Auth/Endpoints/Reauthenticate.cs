using Microsoft.AspNetCore.Routing;
using Supacs.Auth.Http;
using Supacs.Auth.Mail;
using Supacs.Auth.Sessions;
using Supacs.Auth.Users;

namespace Supacs.Auth.Endpoints;

/// <summary>GET /reauthenticate → {}; emails a nonce that PUT /user accepts for a password change.</summary>
internal static class Reauthenticate
{
    public static void Map(IEndpointRouteBuilder group) => group.MapAuth("GET", "/reauthenticate", async req =>
    {
        await using var conn = await req.Db.OpenConnectionAsync(req.Aborted).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(req.Aborted).ConfigureAwait(false);
        var caller = await Authentication.RequireUserAsync(req, conn, tx).ConfigureAwait(false);
        var user = caller.User;
        if (string.IsNullOrEmpty(user.Email)) throw AuthException.Unprocessable("validation_failed", "Reauthentication requires the user to have an email or a phone number");
        var otp = OneTimeTokens.NewOtp(req.Options.MailerOtpLength);
        user.ReauthenticationToken = OneTimeTokens.Hash(user.Email, otp);
        user.ReauthenticationSentAt = DateTime.UtcNow;
        await UserStore.UpdateAsync(conn, tx, user, req.Aborted).ConfigureAwait(false);
        await OneTimeTokens.SaveAsync(conn, tx, user.Id, "reauthentication_token", user.ReauthenticationToken, user.Email, req.Aborted).ConfigureAwait(false);
        await EmailSender.SendAsync(req, conn, tx, user, "reauthentication", user.Email,
            new MailContext("", otp, user.ReauthenticationToken, req.Options.SiteUrl, user.Email, req.Options.SiteUrl), "reauthentication").ConfigureAwait(false);
        await tx.CommitAsync(req.Aborted).ConfigureAwait(false);
        await JsonResponse.EmptyObjectAsync(req.Http).ConfigureAwait(false);
    });
}
