using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Supacs.Auth.Http;
using Supacs.Auth.Users;

namespace Supacs.Auth.Mail;

/// <summary>The kinds of email link GoTrue sends, with the user columns each one uses.</summary>
internal sealed record EmailAction(string VerifyType, string Template, string OneTimeTokenType, string AuthMethod)
{
    public static readonly EmailAction Signup = new("signup", "confirmation", "confirmation_token", "email/signup");
    public static readonly EmailAction Invite = new("invite", "invite", "confirmation_token", "invite");
    public static readonly EmailAction Recovery = new("recovery", "recovery", "recovery_token", "recovery");
    public static readonly EmailAction MagicLink = new("magiclink", "magic_link", "recovery_token", "magiclink");
}

/// <summary>A link that was prepared (and mailed unless generate_link asked for it).</summary>
internal sealed record PreparedLink(string Otp, string TokenHash, string ActionLink, string RedirectTo, string VerificationType);

/// <summary>
/// Prepares and sends confirmation, invite, recovery and magic-link emails: OTP + token hash on the user row
/// and in one_time_tokens, a PKCE flow_state when the client sent a code_challenge, the per-user send
/// frequency limit, and the templated mail.
/// </summary>
internal static class EmailFlows
{
    public static async Task<PreparedLink> PrepareAsync(AuthRequest req, NpgsqlConnection conn, NpgsqlTransaction tx, UserRecord user,
        EmailAction action, string redirectTo, bool send, bool checkFrequency = true)
    {
        var options = req.Options;
        var now = DateTime.UtcNow;
        var sentAt = action.Template is "recovery" or "magic_link" ? user.RecoverySentAt : user.ConfirmationSentAt;
        if (checkFrequency && sentAt is { } last && now - last < options.EmailMaxFrequency)
        {
            var wait = (int)Math.Ceiling((options.EmailMaxFrequency - (now - last)).TotalSeconds);
            throw new AuthException(429, "over_email_send_rate_limit", $"For security purposes, you can only request this after {wait} seconds.");
        }

        var body = await req.BodyAsync().ConfigureAwait(false);
        var flowStateId = await CreateFlowStateAsync(req, conn, tx, body, user.Id, action.AuthMethod).ConfigureAwait(false);
        var email = user.Email ?? "";
        var otp = OneTimeTokens.NewOtp(options.MailerOtpLength);
        var hash = OneTimeTokens.Hash(email, otp);
        if (flowStateId is not null) hash = "pkce_" + hash;

        if (action.Template is "recovery" or "magic_link")
        {
            user.RecoveryToken = hash;
            user.RecoverySentAt = now;
        }
        else
        {
            user.ConfirmationToken = hash;
            user.ConfirmationSentAt = now;
            if (action == EmailAction.Invite) user.InvitedAt = now;
        }
        await UserStore.UpdateAsync(conn, tx, user, req.Aborted).ConfigureAwait(false);
        await OneTimeTokens.SaveAsync(conn, tx, user.Id, action.OneTimeTokenType, hash, email, req.Aborted).ConfigureAwait(false);

        var link = $"{options.ApiExternalUrl}/verify?token={Uri.EscapeDataString(hash)}&type={action.VerifyType}&redirect_to={Uri.EscapeDataString(redirectTo)}";
        if (send)
        {
            await EmailSender.SendAsync(req, conn, tx, user, action.Template, email,
                new MailContext(link, otp, hash, options.SiteUrl, email, redirectTo), action.VerifyType).ConfigureAwait(false);
        }
        return new PreparedLink(otp, hash, link, redirectTo, action.VerifyType);
    }

    /// <summary>A flow_state row for PKCE when the body carries code_challenge; null otherwise.</summary>
    public static async Task<Guid?> CreateFlowStateAsync(AuthRequest req, NpgsqlConnection conn, NpgsqlTransaction tx, JsonElement body, Guid? userId, string authMethod, string providerType = "email")
    {
        var challenge = AuthRequest.Str(body, "code_challenge");
        var method = AuthRequest.Str(body, "code_challenge_method");
        if (string.IsNullOrEmpty(challenge) && string.IsNullOrEmpty(method)) return null;
        if (string.IsNullOrEmpty(challenge) || string.IsNullOrEmpty(method))
            throw AuthException.Validation("PKCE flow requires code_challenge_method and code_challenge");
        method = method.ToLowerInvariant();
        if (method is not ("s256" or "plain")) throw AuthException.Validation("code challenge method not supported");
        var id = Guid.NewGuid();
        await using var cmd = new NpgsqlCommand(
            "INSERT INTO auth.flow_state (id, user_id, auth_code, code_challenge_method, code_challenge, provider_type, authentication_method, created_at, updated_at) " +
            "VALUES ($1, $2, $3, $4::auth.code_challenge_method, $5, $6, $7, now(), now())", conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter { Value = id });
        cmd.Parameters.Add(new NpgsqlParameter { Value = userId is { } u ? u : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        cmd.Parameters.Add(new NpgsqlParameter { Value = Guid.NewGuid().ToString() });
        cmd.Parameters.Add(new NpgsqlParameter { Value = method });
        cmd.Parameters.Add(new NpgsqlParameter { Value = challenge });
        cmd.Parameters.Add(new NpgsqlParameter { Value = providerType });
        cmd.Parameters.Add(new NpgsqlParameter { Value = authMethod });
        await cmd.ExecuteNonQueryAsync(req.Aborted).ConfigureAwait(false);
        return id;
    }
}
