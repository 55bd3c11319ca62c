using System.Text.Json;
using Npgsql;
using Supacs.Auth.Http;
using Supacs.Auth.Users;
using Supacs.Core.Keys;
using Supacs.Core.Requests;

namespace Supacs.Auth.Sessions;

/// <summary>The caller of a user endpoint: the user from <c>sub</c> and the live session from <c>session_id</c>.</summary>
internal sealed record AuthenticatedUser(UserRecord User, Guid? SessionId, string? Aal, JsonElement Claims);

/// <summary>GoTrue's requireAuthentication / requireAdmin: a valid JWT whose user and session still exist.</summary>
internal static class Authentication
{
    public static async Task<JsonElement> RequireJwtAsync(AuthRequest req)
    {
        var token = RequestIdentityResolver.BearerToken(req.Http.Request)
            ?? throw new AuthException(401, "no_authorization", "This endpoint requires a valid Bearer token");
        var result = await req.Project.Keys.ValidateAsync(token).ConfigureAwait(false);
        if (!result.IsValid)
        {
            var why = result.Failure == JwtFailure.Expired ? "token has invalid claims: token is expired" : "unable to parse or verify signature, token is malformed or signature is invalid";
            throw AuthException.Forbidden("bad_jwt", "invalid JWT: " + why);
        }
        return result.Claims;
    }

    public static async Task<AuthenticatedUser> RequireUserAsync(AuthRequest req, NpgsqlConnection? conn = null, NpgsqlTransaction? tx = null)
    {
        var claims = await RequireJwtAsync(req).ConfigureAwait(false);
        var sub = claims.TryGetProperty("sub", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        if (string.IsNullOrEmpty(sub)) throw AuthException.Forbidden("bad_jwt", "invalid claim: missing sub claim");
        if (!Guid.TryParse(sub, out var userId)) throw AuthException.Forbidden("bad_jwt", "invalid claim: sub claim must be a UUID");
        Guid? sessionId = claims.TryGetProperty("session_id", out var sid) && sid.ValueKind == JsonValueKind.String && Guid.TryParse(sid.GetString(), out var g) ? g : null;

        var own = conn is null;
        if (own) conn = await req.Db.OpenConnectionAsync(req.Aborted).ConfigureAwait(false);
        try
        {
            var user = await UserStore.FindByIdAsync(conn!, userId, req.Aborted, tx).ConfigureAwait(false)
                ?? throw AuthException.Forbidden("user_not_found", "User from sub claim in JWT does not exist");
            string? aal = null;
            if (sessionId is { } id)
            {
                await using var cmd = new NpgsqlCommand("SELECT aal::text FROM auth.sessions WHERE id = $1 AND user_id = $2", conn, tx);
                cmd.Parameters.Add(new NpgsqlParameter { Value = id });
                cmd.Parameters.Add(new NpgsqlParameter { Value = userId });
                await using var r = await cmd.ExecuteReaderAsync(req.Aborted).ConfigureAwait(false);
                if (!await r.ReadAsync(req.Aborted).ConfigureAwait(false))
                    throw AuthException.Forbidden("session_not_found", "Session from session_id claim in JWT does not exist");
                aal = r.IsDBNull(0) ? "aal1" : r.GetString(0);
            }
            return new AuthenticatedUser(user, sessionId, aal, claims);
        }
        finally
        {
            if (own) await conn!.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>A JWT whose role is one of JWT_ADMIN_ROLES, else 403 not_admin.</summary>
    public static async Task<JsonElement> RequireAdminAsync(AuthRequest req)
    {
        var claims = await RequireJwtAsync(req).ConfigureAwait(false);
        var role = claims.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
        if (!req.Options.IsAdminRole(role)) throw AuthException.Forbidden("not_admin", "User not allowed");
        return claims;
    }
}
