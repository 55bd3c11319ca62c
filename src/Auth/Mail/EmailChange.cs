using Npgsql;
using Supacs.Auth.Http;
using Supacs.Auth.Users;

namespace Supacs.Auth.Mail;

/// <summary>
/// Starts an email change with confirmations: a token for the new address and, with secure email change
/// on and a current address, one for the current address too; both links must be followed.
/// </summary>
internal static class EmailChange
{
    public static async Task StartAsync(AuthRequest req, NpgsqlConnection conn, NpgsqlTransaction tx, UserRecord user, string newEmail, bool send = true)
    {
        var o = req.Options;
        var now = DateTime.UtcNow;
        if (user.EmailChangeSentAt is { } last && now - last < o.EmailMaxFrequency)
        {
            var wait = (int)Math.Ceiling((o.EmailMaxFrequency - (now - last)).TotalSeconds);
            throw new AuthException(429, "over_email_send_rate_limit", $"For security purposes, you can only request this after {wait} seconds.");
        }
        var redirectTo = Redirects.Resolve(req, req.Query("redirect_to"));
        var otpNew = OneTimeTokens.NewOtp(o.MailerOtpLength);
        user.EmailChange = newEmail;
        user.EmailChangeTokenNew = OneTimeTokens.Hash(newEmail, otpNew);
        user.EmailChangeSentAt = now;
        user.EmailChangeConfirmStatus = 0;
        await OneTimeTokens.SaveAsync(conn, tx, user.Id, "email_change_token_new", user.EmailChangeTokenNew, newEmail, req.Aborted).ConfigureAwait(false);
        string? otpCurrent = null;
        if (o.SecureEmailChange && !string.IsNullOrEmpty(user.Email))
        {
            otpCurrent = OneTimeTokens.NewOtp(o.MailerOtpLength);
            user.EmailChangeTokenCurrent = OneTimeTokens.Hash(user.Email, otpCurrent);
            await OneTimeTokens.SaveAsync(conn, tx, user.Id, "email_change_token_current", user.EmailChangeTokenCurrent, user.Email, req.Aborted).ConfigureAwait(false);
        }
        else
        {
            user.EmailChangeTokenCurrent = "";
        }
        if (!send) return;
        if (req.Options.SendEmailHook is { Enabled: true })
        {
            // One hook call carries both sides: token/token_hash for the current address, *_new for the new one.
            await EmailSender.SendAsync(req, conn, tx, user, "email_change", newEmail,
                new MailContext("", otpCurrent ?? "", otpCurrent is null ? "" : user.EmailChangeTokenCurrent, o.SiteUrl, user.Email ?? "", redirectTo, newEmail),
                "email_change", otpNew, user.EmailChangeTokenNew).ConfigureAwait(false);
            return;
        }
        var linkNew = Link(o.ApiExternalUrl, user.EmailChangeTokenNew, redirectTo);
        await EmailSender.SendAsync(req, conn, tx, user, "email_change", newEmail,
            new MailContext(linkNew, otpNew, user.EmailChangeTokenNew, o.SiteUrl, user.Email ?? "", redirectTo, newEmail), "email_change").ConfigureAwait(false);
        if (otpCurrent is not null)
        {
            var linkCurrent = Link(o.ApiExternalUrl, user.EmailChangeTokenCurrent, redirectTo);
            await EmailSender.SendAsync(req, conn, tx, user, "email_change", user.Email!,
                new MailContext(linkCurrent, otpCurrent, user.EmailChangeTokenCurrent, o.SiteUrl, user.Email!, redirectTo, newEmail), "email_change").ConfigureAwait(false);
        }
    }

    private static string Link(string api, string hash, string redirectTo) =>
        $"{api}/verify?token={Uri.EscapeDataString(hash)}&type=email_change&redirect_to={Uri.EscapeDataString(redirectTo)}";
}
