using Microsoft.AspNetCore.Routing;
using Supacs.Auth.Http;
using Supacs.Auth.Sessions;
using Supacs.Auth.Users;

namespace Supacs.Auth.Endpoints.Admin;

/// <summary>POST /admin/users → the new User (email_confirm/phone_confirm decide confirmation; no email is sent).</summary>
internal static class AdminCreateUser
{
    public static void Map(IEndpointRouteBuilder group) => group.MapAuth("POST", "/admin/users", async req =>
    {
        await Authentication.RequireAdminAsync(req).ConfigureAwait(false);
        var o = req.Options;
        var body = await req.BodyAsync().ConfigureAwait(false);
        var email = AuthRequest.Str(body, "email") is { Length: > 0 } e ? UserFactory.ValidateEmail(e) : null;
        var phone = AuthRequest.Str(body, "phone") is { Length: > 0 } p ? UserFactory.ValidatePhone(p) : null;
        if (email is null && phone is null) throw AuthException.Validation("Cannot create a user without either an email or phone");
        var provider = email is not null ? "email" : "phone";

        await using var conn = await req.Db.OpenConnectionAsync(req.Aborted).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(req.Aborted).ConfigureAwait(false);
        if (email is not null && await UserStore.FindByEmailAsync(conn, email, o.JwtAud, req.Aborted, tx).ConfigureAwait(false) is not null)
            throw AuthException.Unprocessable("email_exists", "A user with this email address has already been registered");
        if (phone is not null && await UserStore.FindByPhoneAsync(conn, phone, o.JwtAud, req.Aborted, tx).ConfigureAwait(false) is not null)
            throw AuthException.Unprocessable("phone_exists", "A user with this phone number has already been registered");

        var user = UserFactory.New(o, email, phone, null, null, provider);
        if (AuthRequest.Str(body, "id") is { Length: > 0 } rawId)
            user.Id = Guid.TryParse(rawId, out var id) ? id : throw AuthException.Validation("id must be a valid UUID");
        user.AppMetadata = AdminUsers.ProvidersOf(provider);
        AdminUsers.ApplyCommon(o, user, body);
        await UserFactory.InsertWithIdentityAsync(req, conn, tx, user, provider).ConfigureAwait(false);
        await Audit.AuditLog.WriteAsync(req, conn, tx, user, "user_signedup", "team", Audit.AuditLog.Provider(provider)).ConfigureAwait(false);
        await UserStore.LoadRelatedAsync(conn, user, req.Aborted, tx).ConfigureAwait(false);
        await tx.CommitAsync(req.Aborted).ConfigureAwait(false);
        await JsonResponse.WriteAsync(req.Http, 200, w => UserJson.Write(w, user)).ConfigureAwait(false);
    });
}
