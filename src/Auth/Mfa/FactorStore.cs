using Npgsql;
using NpgsqlTypes;
using Supacs.Auth.Http;
using Supacs.Auth.Sessions;
using Supacs.Auth.Users;

namespace Supacs.Auth.Mfa;

/// <summary>auth.mfa_factors / mfa_challenges access and the step-up of a session to aal2.</summary>
internal static class FactorStore
{
    public static FactorRecord RequireOwned(UserRecord user, AuthRequest req)
    {
        var raw = req.Http.Request.RouteValues["factorId"]?.ToString();
        return Guid.TryParse(raw, out var id) && user.Factors.FirstOrDefault(f => f.Id == id) is { } f
            ? f
            : throw AuthException.NotFound("mfa_factor_not_found", "Factor not found");
    }

    /// <summary>
    /// Raises the session to aal2 after a verified factor: records the amr claim, rotates the refresh token and
    /// signs a new access token for the same session_id.
    /// </summary>
    public static async Task<IssuedSession> StepUpAsync(AuthRequest req, NpgsqlConnection conn, NpgsqlTransaction tx, UserRecord user, Guid sessionId,
        Guid factorId, string amrMethod)
    {
        var ct = req.Aborted;
        var now = DateTime.UtcNow;
        var refresh = SessionService.NewRefreshToken();
        await using (var batch = new NpgsqlBatch(conn, tx))
        {
            var session = new NpgsqlBatchCommand("UPDATE auth.sessions SET aal = 'aal2', factor_id = $2, updated_at = $3 WHERE id = $1");
            session.Parameters.Add(new NpgsqlParameter { Value = sessionId });
            session.Parameters.Add(new NpgsqlParameter { Value = factorId });
            session.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            var amr = new NpgsqlBatchCommand(
                "INSERT INTO auth.mfa_amr_claims (id, session_id, created_at, updated_at, authentication_method) VALUES ($1, $2, $3, $3, $4) " +
                "ON CONFLICT (session_id, authentication_method) DO UPDATE SET updated_at = excluded.updated_at");
            amr.Parameters.Add(new NpgsqlParameter { Value = Guid.NewGuid() });
            amr.Parameters.Add(new NpgsqlParameter { Value = sessionId });
            amr.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            amr.Parameters.Add(new NpgsqlParameter { Value = amrMethod });
            var revoke = new NpgsqlBatchCommand("UPDATE auth.refresh_tokens SET revoked = true, updated_at = $2 WHERE session_id = $1 AND revoked = false");
            revoke.Parameters.Add(new NpgsqlParameter { Value = sessionId });
            revoke.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            var token = new NpgsqlBatchCommand(
                "INSERT INTO auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id) " +
                "VALUES ('00000000-0000-0000-0000-000000000000', $1, $2, false, $3, $3, NULL, $4)");
            token.Parameters.Add(new NpgsqlParameter { Value = refresh });
            token.Parameters.Add(new NpgsqlParameter { Value = user.Id.ToString() });
            token.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            token.Parameters.Add(new NpgsqlParameter { Value = sessionId });
            batch.BatchCommands.Add(session);
            batch.BatchCommands.Add(amr);
            batch.BatchCommands.Add(revoke);
            batch.BatchCommands.Add(token);
            await batch.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        var claims = await SessionService.AmrAsync(conn, tx, sessionId, ct).ConfigureAwait(false);
        var access = await SessionService.AccessTokenAsync(req, conn, tx, user, sessionId, "aal2", claims, now, amrMethod).ConfigureAwait(false);
        return new IssuedSession(access, refresh, req.Options.JwtExpiry, new DateTimeOffset(now).ToUnixTimeSeconds() + req.Options.JwtExpiry, user, sessionId);
    }
}
