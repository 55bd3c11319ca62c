using Microsoft.AspNetCore.Routing;
using Npgsql;
using NpgsqlTypes;
using Supacs.Auth.Http;
using Supacs.Auth.Mfa;
using Supacs.Auth.Sessions;

namespace Supacs.Auth.Endpoints.Mfa;

/// <summary>
/// POST /factors {factor_type: totp, friendly_name?, issuer?} → {id, type, friendly_name, totp:{qr_code, secret, uri}};
/// {factor_type: phone, phone, friendly_name?} → {id, type: phone, friendly_name, phone} when [auth.mfa.phone] enroll_enabled.
/// </summary>
internal static class Enroll
{
    public static void Map(IEndpointRouteBuilder group) => group.MapAuth("POST", "/factors", async req =>
    {
        var body = await req.BodyAsync().ConfigureAwait(false);
        var type = AuthRequest.Str(body, "factor_type") ?? "";
        if (type is "phone" && !req.Options.MfaPhoneEnrollEnabled) throw AuthException.Unprocessable("mfa_phone_enroll_not_enabled", "MFA enroll is disabled for phone");
        if (type is "webauthn") throw AuthException.Unprocessable("mfa_webauthn_enroll_not_enabled", "MFA enroll is disabled for WebAuthn");
        if (type is not ("totp" or "phone")) throw AuthException.Validation("factor_type needs to be totp, phone or webauthn");
        string? phone = null;
        if (type == "phone")
        {
            var rawPhone = AuthRequest.Str(body, "phone");
            if (string.IsNullOrEmpty(rawPhone)) throw AuthException.Validation("Phone number required to enroll Phone factor");
            phone = Users.UserFactory.ValidatePhone(rawPhone);
        }
        await using var conn = await req.Db.OpenConnectionAsync(req.Aborted).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(req.Aborted).ConfigureAwait(false);
        var caller = await Authentication.RequireUserAsync(req, conn, tx).ConfigureAwait(false);
        var user = caller.User;
        if (user.IsAnonymous) throw AuthException.Forbidden("insufficient_aal", "Anonymous users cannot enroll MFA factors");
        if (user.Factors.Any(f => f.Status == "verified") && caller.Aal != "aal2")
            throw AuthException.Unprocessable("insufficient_aal", "AAL2 required to enroll a new factor");
        if (user.Factors.Count >= req.Options.MfaMaxEnrolledFactors)
            throw AuthException.Unprocessable("too_many_enrolled_mfa_factors", "Maximum number of verified factors reached, unenroll to continue");
        var friendlyName = AuthRequest.Str(body, "friendly_name") ?? "";
        if (friendlyName.Length > 0 && user.Factors.Any(f => f.FriendlyName == friendlyName))
            throw AuthException.Unprocessable("mfa_factor_name_conflict", $"A factor with the friendly name \"{friendlyName}\" for this user already exists");
        if (phone is not null)
        {
            await EnrollPhoneAsync(req, conn, tx, user, phone, friendlyName).ConfigureAwait(false);
            return;
        }

        var issuer = AuthRequest.Str(body, "issuer") is { Length: > 0 } i ? i
            : Uri.TryCreate(req.Options.SiteUrl, UriKind.Absolute, out var site) ? site.Host : "supacs";
        var secret = Totp.NewSecret();
        var uri = Totp.Uri(issuer, user.Email ?? user.Phone ?? user.Id.ToString(), secret);
        var id = await InsertUnverifiedFactorAsync(req, conn, tx, user, "totp", friendlyName, "secret", secret).ConfigureAwait(false);
        await tx.CommitAsync(req.Aborted).ConfigureAwait(false);
        var qr = Totp.QrSvg(uri);
        await JsonResponse.WriteAsync(req.Http, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("id", id);
            w.WriteString("type", "totp");
            w.WriteString("friendly_name", friendlyName);
            w.WriteStartObject("totp");
            w.WriteString("qr_code", qr);
            w.WriteString("secret", secret);
            w.WriteString("uri", uri);
            w.WriteEndObject();
            w.WriteEndObject();
        }).ConfigureAwait(false);
    });

    private static async Task EnrollPhoneAsync(AuthRequest req, NpgsqlConnection conn, NpgsqlTransaction tx, Users.UserRecord user, string phone, string friendlyName)
    {
        if (user.Factors.FirstOrDefault(f => f.FactorType == "phone" && f.Phone == phone) is { } same)
        {
            if (same.Status == "verified")
                throw AuthException.Unprocessable("mfa_verified_factor_exists", "A verified phone factor already exists, unenroll the existing factor to continue");
            await using var del = new NpgsqlCommand("DELETE FROM auth.mfa_factors WHERE id = $1", conn, tx);
            del.Parameters.Add(new NpgsqlParameter { Value = same.Id });
            await del.ExecuteNonQueryAsync(req.Aborted).ConfigureAwait(false);
        }
        var id = await InsertUnverifiedFactorAsync(req, conn, tx, user, "phone", friendlyName, "phone", phone).ConfigureAwait(false);
        await tx.CommitAsync(req.Aborted).ConfigureAwait(false);
        await JsonResponse.WriteAsync(req.Http, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("id", id);
            w.WriteString("type", "phone");
            w.WriteString("friendly_name", friendlyName);
            w.WriteString("phone", phone);
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    /// <summary>Inserts an unverified factor with its type's credential column (TOTP secret or phone) and audits it.</summary>
    private static async Task<Guid> InsertUnverifiedFactorAsync(
        AuthRequest req, NpgsqlConnection conn, NpgsqlTransaction tx, Users.UserRecord user,
        string factorType, string friendlyName, string credentialColumn, string credential)
    {
        // credentialColumn is one of two constants chosen by the caller, never user input.
        var id = Guid.NewGuid();
        await using (var cmd = new NpgsqlCommand(
            "INSERT INTO auth.mfa_factors (id, user_id, friendly_name, factor_type, status, created_at, updated_at, " + credentialColumn + ") " +
            "VALUES ($1, $2, $3, $4::auth.factor_type, 'unverified', now(), now(), $5)", conn, tx))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = id });
            cmd.Parameters.Add(new NpgsqlParameter { Value = user.Id });
            cmd.Parameters.Add(new NpgsqlParameter { Value = friendlyName.Length == 0 ? DBNull.Value : friendlyName, NpgsqlDbType = NpgsqlDbType.Text });
            cmd.Parameters.Add(new NpgsqlParameter { Value = factorType });
            cmd.Parameters.Add(new NpgsqlParameter { Value = credential });
            await cmd.ExecuteNonQueryAsync(req.Aborted).ConfigureAwait(false);
        }
        await Audit.AuditLog.WriteAsync(req, conn, tx, user, "factor_in_progress", "factor", new System.Text.Json.Nodes.JsonObject
        {
            ["factor_id"] = id.ToString(), ["factor_type"] = factorType,
        }).ConfigureAwait(false);
        return id;
    }
}
