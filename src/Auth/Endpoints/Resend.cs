using Microsoft.AspNetCore.Routing;
using Supacs.Auth.Http;
using Supacs.Auth.Limits;
using Supacs.Auth.Mail;
using Supacs.Auth.Users;

namespace Supacs.Auth.Endpoints;

/// <summary>POST /resend {type: signup|email_change, email} → {}; resends the pending confirmation.</summary>
internal static class Resend
{
    public static void Map(IEndpointRouteBuilder group) => group.MapAuth("POST", "/resend", async req =>
    {
        var body = await req.BodyAsync().ConfigureAwait(false);
        RateLimits.Check(req, "resend");
        var type = AuthRequest.Str(body, "type") ?? "";
        if (type is not ("signup" or "email_change" or "sms" or "phone_change"))
            throw AuthException.Validation("Missing one of these types: signup, email_change, sms, phone_change");
        if (type is "sms" or "phone_change")
        {
            await ResendSmsAsync(req, type, AuthRequest.Str(body, "phone")).ConfigureAwait(false);
            return;
        }
        var raw = AuthRequest.Str(body, "email");
        if (string.IsNullOrEmpty(raw)) throw AuthException.Validation("Type provided requires an email address");
        var email = UserFactory.ValidateEmail(raw);
        var redirectTo = Redirects.Resolve(req, req.Query("redirect_to"));
        await using var conn = await req.Db.OpenConnectionAsync(req.Aborted).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(req.Aborted).ConfigureAwait(false);
        var user = await UserStore.FindByEmailAsync(conn, email, req.Options.JwtAud, req.Aborted, tx).ConfigureAwait(false);
        if (user is not null)
        {
            if (type == "signup" && user.EmailConfirmedAt is null)
                await EmailFlows.PrepareAsync(req, conn, tx, user, EmailAction.Signup, redirectTo, send: true).ConfigureAwait(false);
            else if (type == "email_change" && !string.IsNullOrEmpty(user.EmailChange))
            {
                await EmailChange.StartAsync(req, conn, tx, user, user.EmailChange).ConfigureAwait(false);
                await UserStore.UpdateAsync(conn, tx, user, req.Aborted).ConfigureAwait(false);
            }
            await tx.CommitAsync(req.Aborted).ConfigureAwait(false);
        }
        await JsonResponse.EmptyObjectAsync(req.Http).ConfigureAwait(false);
    });

    private static async Task ResendSmsAsync(AuthRequest req, string type, string? rawPhone)
    {
        if (!req.Options.PhoneEnabled) throw AuthException.BadRequest("phone_provider_disabled", "Unsupported phone provider");
        if (string.IsNullOrEmpty(rawPhone)) throw AuthException.Validation("Type provided requires a phone number");
        var phone = UserFactory.ValidatePhone(rawPhone);
        await using var conn = await req.Db.OpenConnectionAsync(req.Aborted).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(req.Aborted).ConfigureAwait(false);
        UserRecord? user;
        if (type == "sms")
            user = await UserStore.FindByPhoneAsync(conn, phone, req.Options.JwtAud, req.Aborted, tx).ConfigureAwait(false);
        else
        {
            await using var cmd = new Npgsql.NpgsqlCommand("SELECT id FROM auth.users WHERE phone_change = $1 LIMIT 1", conn, tx);
            cmd.Parameters.Add(new Npgsql.NpgsqlParameter { Value = phone });
            user = await cmd.ExecuteScalarAsync(req.Aborted).ConfigureAwait(false) is Guid id
                ? await UserStore.FindByIdAsync(conn, id, req.Aborted, tx).ConfigureAwait(false) : null;
        }
        string? messageId = null;
        if (user is not null && (type == "phone_change" || user.PhoneConfirmedAt is null))
        {
            messageId = await Sms.SmsFlows.SendAsync(req, conn, tx, user, type == "sms" ? Sms.SmsFlows.Kind.Confirmation : Sms.SmsFlows.Kind.PhoneChange, phone).ConfigureAwait(false);
            await tx.CommitAsync(req.Aborted).ConfigureAwait(false);
        }
        await JsonResponse.WriteAsync(req.Http, 200, w =>
        {
            w.WriteStartObject();
            if (messageId is not null) w.WriteString("message_id", messageId);
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }
}
