using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Routing;
using Npgsql;
using Supacs.Auth.Http;
using Supacs.Auth.Passwords;
using Supacs.Auth.Sessions;
using Supacs.Auth.Users;

namespace Supacs.Auth.Endpoints;

/// <summary>
/// PUT /user: merges <c>data</c> into user_metadata (null deletes a key), changes the password (other sessions
/// end), and changes email or phone (directly with autoconfirm; confirmation emails otherwise).
/// </summary>
internal static class UpdateUser
{
    public static void Map(IEndpointRouteBuilder group) => group.MapAuth("PUT", "/user", HandleAsync);

    private static async Task HandleAsync(AuthRequest req)
    {
        var o = req.Options;
        var body = await req.BodyAsync().ConfigureAwait(false);
        await using var conn = await req.Db.OpenConnectionAsync(req.Aborted).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(req.Aborted).ConfigureAwait(false);
        var caller = await Authentication.RequireUserAsync(req, conn, tx).ConfigureAwait(false);
        var user = caller.User;

        if (body.TryGetProperty("app_metadata", out var appMeta) && appMeta.ValueKind == JsonValueKind.Object)
        {
            var role = caller.Claims.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            if (!o.IsAdminRole(role)) throw AuthException.Forbidden("not_admin", "Updating app_metadata requires admin privileges");
            Merge(user.AppMetadata, appMeta);
        }
        if (AuthRequest.Obj(body, "data") is { } data) Merge(user.UserMetadata, data);

        var password = AuthRequest.Str(body, "password");
        var passwordChanged = false;
        if (!string.IsNullOrEmpty(password))
        {
            PasswordHasher.CheckPolicy(o, password);
            if (!string.IsNullOrEmpty(user.EncryptedPassword) && PasswordHasher.Verify(password, user.EncryptedPassword))
                throw AuthException.Unprocessable("same_password", "New password should be different from the old password.");
            if (o.UpdatePasswordRequireReauthentication && caller.Aal != "aal2")
            {
                var nonce = AuthRequest.Str(body, "nonce");
                if (string.IsNullOrEmpty(nonce)) throw AuthException.BadRequest("reauthentication_needed", "Password update requires reauthentication");
                var expected = Mail.OneTimeTokens.Hash(user.Email ?? user.Phone ?? "", nonce);
                if (!PasswordHasher.SecureEquals(expected, user.ReauthenticationToken) ||
                    user.ReauthenticationSentAt is not { } sent || DateTime.UtcNow - sent > TimeSpan.FromSeconds(o.MailerOtpExpiry))
                    throw AuthException.BadRequest("reauthentication_not_valid", "Requested nonce is invalid");
                user.ReauthenticationToken = "";
            }
            user.EncryptedPassword = PasswordHasher.Hash(password);
            passwordChanged = true;
        }

        var email = AuthRequest.Str(body, "email");
        if (!string.IsNullOrEmpty(email))
        {
            email = UserFactory.ValidateEmail(email);
            if (!string.Equals(email, user.Email, StringComparison.Ordinal))
            {
                var other = await UserStore.FindByEmailAsync(conn, email, o.JwtAud, req.Aborted, tx).ConfigureAwait(false);
                if (other is not null && other.Id != user.Id)
                    throw AuthException.Unprocessable("email_exists", "A user with this email address has already been registered");
                if (o.MailerAutoconfirm)
                {
                    user.Email = email;
                    user.EmailConfirmedAt ??= DateTime.UtcNow;
                    await UpdateEmailIdentityAsync(conn, tx, user, email, req.Aborted).ConfigureAwait(false);
                }
                else
                {
                    await Mail.EmailChange.StartAsync(req, conn, tx, user, email).ConfigureAwait(false);
                }
            }
        }

        var phone = AuthRequest.Str(body, "phone");
        if (!string.IsNullOrEmpty(phone))
        {
            phone = UserFactory.ValidatePhone(phone);
            if (!string.Equals(phone, user.Phone, StringComparison.Ordinal))
            {
                var other = await UserStore.FindByPhoneAsync(conn, phone, o.JwtAud, req.Aborted, tx).ConfigureAwait(false);
                if (other is not null && other.Id != user.Id)
                    throw AuthException.Unprocessable("phone_exists", "A user with this phone number has already been registered");
                if (o.SmsAutoconfirm)
                {
                    user.Phone = phone;
                    user.PhoneConfirmedAt ??= DateTime.UtcNow;
                }
                else
                {
                    await Sms.SmsFlows.SendAsync(req, conn, tx, user, Sms.SmsFlows.Kind.PhoneChange, phone).ConfigureAwait(false);
                }
            }
        }

        try
        {
            await UserStore.UpdateAsync(conn, tx, user, req.Aborted).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState != PostgresErrorCodes.UniqueViolation)
        {
            throw new AuthException(500, "unexpected_failure", "Database error updating user: " + e.MessageText);
        }
        await Audit.AuditLog.WriteAsync(req, conn, tx, user, passwordChanged ? "user_updated_password" : "user_modified", "user").ConfigureAwait(false);
        if (passwordChanged && caller.SessionId is { } keep)
        {
            // GoTrue ends every other session of the user when the password changes.
            await using var cmd = new NpgsqlCommand("DELETE FROM auth.sessions WHERE user_id = $1 AND id <> $2", conn, tx);
            cmd.Parameters.Add(new NpgsqlParameter { Value = user.Id });
            cmd.Parameters.Add(new NpgsqlParameter { Value = keep });
            await cmd.ExecuteNonQueryAsync(req.Aborted).ConfigureAwait(false);
        }
        await UserStore.LoadRelatedAsync(conn, user, req.Aborted, tx).ConfigureAwait(false);
        await tx.CommitAsync(req.Aborted).ConfigureAwait(false);
        await JsonResponse.WriteAsync(req.Http, 200, w => UserJson.Write(w, user)).ConfigureAwait(false);
    }

    /// <summary>Shallow merge as GoTrue does: a null value removes the key.</summary>
    public static void Merge(JsonObject target, JsonElement patch)
    {
        foreach (var p in patch.EnumerateObject())
        {
            if (p.Value.ValueKind == JsonValueKind.Null) target.Remove(p.Name);
            else target[p.Name] = JsonNode.Parse(p.Value.GetRawText());
        }
    }

    public static async Task UpdateEmailIdentityAsync(NpgsqlConnection conn, NpgsqlTransaction tx, UserRecord user, string email, CancellationToken ct)
    {
        var identity = user.Identities.FirstOrDefault(i => i.Provider == "email");
        if (identity is null)
        {
            var data = new JsonObject { ["sub"] = user.Id.ToString(), ["email"] = email, ["email_verified"] = true, ["phone_verified"] = false };
            await UserStore.InsertIdentityAsync(conn, tx, user.Id, "email", user.Id.ToString(), data, ct).ConfigureAwait(false);
            if (!user.AppMetadata.ContainsKey("provider")) user.AppMetadata["provider"] = "email";
            var providers = user.AppMetadata["providers"] as JsonArray ?? [];
            if (!providers.Any(p => p?.GetValue<string>() == "email")) providers.Add("email");
            user.AppMetadata["providers"] = providers.DeepClone();
            user.IsAnonymous = false;
        }
        else
        {
            identity.IdentityData["email"] = email;
            await UserStore.UpdateIdentityDataAsync(conn, tx, identity, ct).ConfigureAwait(false);
        }
        if (user.UserMetadata.ContainsKey("email")) user.UserMetadata["email"] = email;
    }
}
