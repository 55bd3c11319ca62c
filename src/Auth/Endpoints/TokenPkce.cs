using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;
using Npgsql;
using Supacs.Auth.Http;
using Supacs.Auth.Passwords;
using Supacs.Auth.Sessions;
using Supacs.Auth.Users;

namespace Supacs.Auth.Endpoints;

/// <summary>grant_type=pkce: exchanges an auth_code + code_verifier for a session and deletes the flow_state.</summary>
internal static class TokenPkce
{
    public static async Task HandleAsync(AuthRequest req)
    {
        var body = await req.BodyAsync().ConfigureAwait(false);
        var authCode = AuthRequest.Str(body, "auth_code");
        var verifier = AuthRequest.Str(body, "code_verifier");
        if (string.IsNullOrEmpty(authCode) || string.IsNullOrEmpty(verifier))
            throw AuthException.Validation("invalid request: both auth code and code verifier should be non-empty");

        await using var conn = await req.Db.OpenConnectionAsync(req.Aborted).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(req.Aborted).ConfigureAwait(false);
        Guid id;
        Guid? userId;
        string method, challenge, authMethod;
        DateTime created;
        string? providerToken, providerRefreshToken;
        await using (var cmd = new NpgsqlCommand(
            "SELECT id, user_id, code_challenge_method::text, code_challenge, authentication_method, coalesce(auth_code_issued_at, created_at), " +
            "provider_access_token, provider_refresh_token FROM auth.flow_state WHERE auth_code = $1 FOR UPDATE", conn, tx))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = authCode });
            await using var r = await cmd.ExecuteReaderAsync(req.Aborted).ConfigureAwait(false);
            if (!await r.ReadAsync(req.Aborted).ConfigureAwait(false))
                throw AuthException.NotFound("flow_state_not_found", "invalid flow state, no valid flow state found");
            id = r.GetGuid(0);
            userId = r.IsDBNull(1) ? null : r.GetGuid(1);
            method = r.IsDBNull(2) ? "s256" : r.GetString(2);
            challenge = r.IsDBNull(3) ? "" : r.GetString(3);
            authMethod = r.GetString(4);
            created = r.IsDBNull(5) ? DateTime.UtcNow : r.GetDateTime(5);
            providerToken = r.IsDBNull(6) ? null : r.GetString(6);
            providerRefreshToken = r.IsDBNull(7) ? null : r.GetString(7);
        }
        if (DateTime.UtcNow - created > req.Options.FlowStateExpiry)
            throw AuthException.Unprocessable("flow_state_expired", "invalid flow state, flow state has expired");
        var expected = method == "plain" ? verifier : Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        if (!PasswordHasher.SecureEquals(expected, challenge))
            throw AuthException.BadRequest("bad_code_verifier", "code challenge does not match previously saved code verifier");
        if (userId is null) throw AuthException.NotFound("flow_state_not_found", "invalid flow state, no valid flow state found");

        var user = await UserStore.FindByIdAsync(conn, userId.Value, req.Aborted, tx).ConfigureAwait(false)
            ?? throw AuthException.NotFound("user_not_found", "User not found");
        if (user.IsBanned) throw AuthException.BadRequest("user_banned", "User is banned");
        await using (var del = new NpgsqlCommand("DELETE FROM auth.flow_state WHERE id = $1", conn, tx))
        {
            del.Parameters.Add(new NpgsqlParameter { Value = id });
            await del.ExecuteNonQueryAsync(req.Aborted).ConfigureAwait(false);
        }
        var session = await SessionService.SignInAsync(req, conn, tx, user, AmrFor(authMethod)).ConfigureAwait(false);
        await tx.CommitAsync(req.Aborted).ConfigureAwait(false);
        await SessionService.WriteAsync(req, session, w =>
        {
            if (providerToken is not null) w.WriteString("provider_token", providerToken);
            if (providerRefreshToken is not null) w.WriteString("provider_refresh_token", providerRefreshToken);
        }).ConfigureAwait(false);
    }

    private static string AmrFor(string authMethod) => authMethod switch
    {
        "email/signup" or "magiclink" or "recovery" or "invite" or "email_change" => authMethod == "email/signup" ? "otp" : authMethod,
        _ => "oauth",
    };
}
