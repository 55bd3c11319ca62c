using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using Supacs.Auth.Http;
using Supacs.Auth.Users;

namespace Supacs.Auth.Hooks;

/// <summary>
/// The password and MFA verification-attempt hooks: told the outcome of each check (<c>{metadata, user_id, valid}</c>,
/// plus <c>factor_id, factor_type</c> for MFA), they answer <c>{decision: "continue"|"reject", message,
/// should_logout_user}</c>. A rejection becomes 400 invalid_credentials (password; all sessions end when asked) or 403
/// mfa_verification_rejected (MFA), with the hook's message or GoTrue's default.
/// </summary>
internal static class VerificationAttemptHooks
{
    public static async Task PasswordAsync(AuthRequest req, NpgsqlConnection conn, UserRecord user, bool valid)
    {
        if (req.Options.PasswordVerificationAttemptHook is not { Enabled: true } hook) return;
        var input = new JsonObject { ["metadata"] = Metadata(req, "password-verification-attempt"), ["user_id"] = user.Id.ToString(), ["valid"] = valid };
        using var doc = JsonDocument.Parse(await HookRunner.InvokeAsync(req, conn, null, hook, input.ToJsonString()).ConfigureAwait(false));
        if (AuthRequest.Str(doc.RootElement, "decision") != "reject") return;
        if (AuthRequest.Bool(doc.RootElement, "should_logout_user") == true)
        {
            await using var cmd = new NpgsqlCommand("DELETE FROM auth.sessions WHERE user_id = $1", conn);
            cmd.Parameters.Add(new NpgsqlParameter { Value = user.Id });
            await cmd.ExecuteNonQueryAsync(req.Aborted).ConfigureAwait(false);
        }
        throw AuthException.BadRequest("invalid_credentials",
            AuthRequest.Str(doc.RootElement, "message") is { Length: > 0 } m ? m : "Further password verification attempts will be rejected.");
    }

    public static async Task MfaAsync(AuthRequest req, NpgsqlConnection conn, NpgsqlTransaction? tx, UserRecord user, FactorRecord factor, bool valid)
    {
        if (req.Options.MfaVerificationAttemptHook is not { Enabled: true } hook) return;
        var input = new JsonObject
        {
            ["metadata"] = Metadata(req, "mfa-verification-attempt"), ["user_id"] = user.Id.ToString(),
            ["factor_id"] = factor.Id.ToString(), ["factor_type"] = factor.FactorType, ["valid"] = valid,
        };
        using var doc = JsonDocument.Parse(await HookRunner.InvokeAsync(req, conn, tx, hook, input.ToJsonString()).ConfigureAwait(false));
        if (AuthRequest.Str(doc.RootElement, "decision") == "reject")
            throw AuthException.Forbidden("mfa_verification_rejected",
                AuthRequest.Str(doc.RootElement, "message") is { Length: > 0 } m ? m : "Further MFA verification attempts will be rejected.");
    }

    private static JsonObject Metadata(AuthRequest req, string name) => new()
    {
        ["uuid"] = Guid.NewGuid().ToString(),
        ["time"] = DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        ["name"] = name,
        ["ip_address"] = req.ClientIp,
    };
}
