using Microsoft.AspNetCore.Routing;
using Npgsql;
using Supacs.Auth.Http;
using Supacs.Auth.Sessions;
using Supacs.Auth.Users;

namespace Supacs.Auth.Endpoints.Admin;

/// <summary>PUT /admin/users/{id}: email/phone/password/metadata/role/ban changes, applied directly.</summary>
internal static class AdminUpdateUser
{
    public static void Map(IEndpointRouteBuilder group) => group.MapAuth("PUT", "/admin/users/{id}", async req =>
    {
        await Authentication.RequireAdminAsync(req).ConfigureAwait(false);
        var o = req.Options;
        var id = AdminUsers.ParseId(req);
        var body = await req.BodyAsync().ConfigureAwait(false);
        await using var conn = await req.Db.OpenConnectionAsync(req.Aborted).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(req.Aborted).ConfigureAwait(false);
        var user = await AdminUsers.LoadAsync(req, conn, tx, id).ConfigureAwait(false);

        if (AuthRequest.Str(body, "email") is { Length: > 0 } rawEmail)
        {
            var email = UserFactory.ValidateEmail(rawEmail);
            if (email != user.Email)
            {
                var other = await UserStore.FindByEmailAsync(conn, email, o.JwtAud, req.Aborted, tx).ConfigureAwait(false);
                if (other is not null && other.Id != user.Id)
                    throw AuthException.Unprocessable("email_exists", "A user with this email address has already been registered");
                user.Email = email;
                await UpdateUser.UpdateEmailIdentityAsync(conn, tx, user, email, req.Aborted).ConfigureAwait(false);
            }
        }
        if (AuthRequest.Str(body, "phone") is { Length: > 0 } rawPhone)
        {
            var phone = UserFactory.ValidatePhone(rawPhone);
            var other = await UserStore.FindByPhoneAsync(conn, phone, o.JwtAud, req.Aborted, tx).ConfigureAwait(false);
            if (other is not null && other.Id != user.Id)
                throw AuthException.Unprocessable("phone_exists", "A user with this phone number has already been registered");
            user.Phone = phone;
        }
        AdminUsers.ApplyCommon(o, user, body);
        if (user.EmailConfirmedAt is not null) await UserFactory.MarkEmailVerifiedAsync(conn, tx, user, req.Aborted).ConfigureAwait(false);
        await UserStore.UpdateAsync(conn, tx, user, req.Aborted).ConfigureAwait(false);
        if (user.IsBanned)
        {
            // A ban ends the user's sessions, so their JWTs stop working now rather than at expiry.
            await using var cmd = new NpgsqlCommand("DELETE FROM auth.sessions WHERE user_id = $1", conn, tx);
            cmd.Parameters.Add(new NpgsqlParameter { Value = user.Id });
            await cmd.ExecuteNonQueryAsync(req.Aborted).ConfigureAwait(false);
        }
        await UserStore.LoadRelatedAsync(conn, user, req.Aborted, tx).ConfigureAwait(false);
        await tx.CommitAsync(req.Aborted).ConfigureAwait(false);
        await JsonResponse.WriteAsync(req.Http, 200, w => UserJson.Write(w, user)).ConfigureAwait(false);
    });
}
