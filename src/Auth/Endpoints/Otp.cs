using Microsoft.AspNetCore.Routing;
using Supacs.Auth.Http;
using Supacs.Auth.Limits;
using Supacs.Auth.Mail;
using Supacs.Auth.Passwords;
using Supacs.Auth.Users;

namespace Supacs.Auth.Endpoints;

/// <summary>
/// POST /otp and the legacy POST /magiclink: email OTP / magic link. Unknown users are signed up first
/// (unless create_user is false → 422 otp_disabled); an unconfirmed user gets the confirmation email instead.
/// </summary>
internal static class Otp
{
    public static void Map(IEndpointRouteBuilder group)
    {
        group.MapAuth("POST", "/otp", HandleAsync);
        group.MapAuth("POST", "/magiclink", HandleAsync);
    }

    private static async Task HandleAsync(AuthRequest req)
    {
        var o = req.Options;
        var body = await req.BodyAsync().ConfigureAwait(false);
        RateLimits.Check(req, "otp");
        var rawEmail = AuthRequest.Str(body, "email");
        if (string.IsNullOrEmpty(rawEmail))
        {
            if (AuthRequest.Str(body, "phone") is { Length: > 0 } rawPhone)
            {
                var channel = AuthRequest.Str(body, "channel") is { Length: > 0 } c ? c : "sms";
                if (channel is not ("sms" or "whatsapp")) throw AuthException.Validation("Invalid channel: channel must be sms or whatsapp");
                await PhoneAsync(req, rawPhone, AuthRequest.Bool(body, "create_user") ?? true, AuthRequest.Obj(body, "data"), channel).ConfigureAwait(false);
                return;
            }
            throw AuthException.Validation("Only an email address or phone number should be provided");
        }
        if (!o.EmailEnabled) throw AuthException.BadRequest("email_provider_disabled", "Email logins are disabled");
        var email = UserFactory.ValidateEmail(rawEmail);
        var createUser = AuthRequest.Bool(body, "create_user") ?? true;
        var redirectTo = Redirects.Resolve(req, req.Query("redirect_to") ?? AuthRequest.Str(body, "redirect_to"));

        await using var conn = await req.Db.OpenConnectionAsync(req.Aborted).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(req.Aborted).ConfigureAwait(false);
        var user = await UserStore.FindByEmailAsync(conn, email, o.JwtAud, req.Aborted, tx).ConfigureAwait(false);
        if (user is null)
        {
            if (!createUser || o.DisableSignup) throw AuthException.Unprocessable("otp_disabled", "Signups not allowed for otp");
            user = UserFactory.New(o, email, null, PasswordHasher.Hash(Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16))),
                AuthRequest.Obj(body, "data"), "email");
            await UserFactory.InsertWithIdentityAsync(req, conn, tx, user, "email").ConfigureAwait(false);
        }
        var action = user.EmailConfirmedAt is null ? EmailAction.Signup : EmailAction.MagicLink;
        await EmailFlows.PrepareAsync(req, conn, tx, user, action, redirectTo, send: true).ConfigureAwait(false);
        await tx.CommitAsync(req.Aborted).ConfigureAwait(false);
        await JsonResponse.EmptyObjectAsync(req.Http).ConfigureAwait(false);
    }

    /// <summary>SMS OTP: {message_id}; unknown numbers are signed up first unless create_user is false.</summary>
    private static async Task PhoneAsync(AuthRequest req, string rawPhone, bool createUser, System.Text.Json.JsonElement? data, string channel)
    {
        var o = req.Options;
        if (!o.PhoneEnabled) throw AuthException.BadRequest("phone_provider_disabled", "Unsupported phone provider");
        var phone = UserFactory.ValidatePhone(rawPhone);
        await using var conn = await req.Db.OpenConnectionAsync(req.Aborted).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(req.Aborted).ConfigureAwait(false);
        var user = await UserStore.FindByPhoneAsync(conn, phone, o.JwtAud, req.Aborted, tx).ConfigureAwait(false);
        if (user is null)
        {
            if (!createUser || o.DisableSignup) throw AuthException.Unprocessable("otp_disabled", "Signups not allowed for otp");
            user = UserFactory.New(o, null, phone, PasswordHasher.Hash(Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16))), data, "phone");
            await UserFactory.InsertWithIdentityAsync(req, conn, tx, user, "phone").ConfigureAwait(false);
        }
        var kind = user.PhoneConfirmedAt is null ? Sms.SmsFlows.Kind.Confirmation : Sms.SmsFlows.Kind.Recovery;
        var messageId = await Sms.SmsFlows.SendAsync(req, conn, tx, user, kind, phone, channel).ConfigureAwait(false);
        await tx.CommitAsync(req.Aborted).ConfigureAwait(false);
        await JsonResponse.WriteAsync(req.Http, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("message_id", messageId);
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }
}
