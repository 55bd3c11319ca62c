using System.Security.Cryptography;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Supacs.Auth.Config;
using Supacs.Auth.Http;
using Supacs.Auth.Users;
using Supacs.Core.Keys;

namespace Supacs.Auth.Sessions;

/// <summary>An issued session: what the Session JSON object carries.</summary>
internal sealed record IssuedSession(string AccessToken, string RefreshToken, long ExpiresIn, long ExpiresAt, UserRecord User, Guid SessionId);

/// <summary>
/// Sessions, refresh tokens and access tokens: a sign-in creates an auth.sessions row, its first refresh
/// token and an amr claim; refresh rotates tokens with parent tracking and the reuse interval (v1 tokens).
/// </summary>
internal static class SessionService
{
    private const string TokenAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>GoTrue's v1 refresh token: 12 random lower-case alphanumerics.</summary>
    public static string NewRefreshToken() => RandomNumberGenerator.GetString(TokenAlphabet, 12);

    public static async Task<IssuedSession> SignInAsync(AuthRequest req, NpgsqlConnection conn, NpgsqlTransaction tx, UserRecord user, string amrMethod)
    {
        var ct = req.Aborted;
        var now = DateTime.UtcNow;
        var sessionId = Guid.NewGuid();
        var refresh = NewRefreshToken();
        await using (var batch = new NpgsqlBatch(conn, tx))
        {
            var session = new NpgsqlBatchCommand(
                "INSERT INTO auth.sessions (id, user_id, created_at, updated_at, aal, refreshed_at, user_agent, ip, not_after) " +
                "VALUES ($1, $2, $3, $3, 'aal1', NULL, $4, $5::inet, $6)");
            session.Parameters.Add(new NpgsqlParameter { Value = sessionId });
            session.Parameters.Add(new NpgsqlParameter { Value = user.Id });
            session.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            session.Parameters.Add(new NpgsqlParameter { Value = req.UserAgent });
            session.Parameters.Add(new NpgsqlParameter { Value = NormalizeIp(req.ClientIp) });
            session.Parameters.Add(new NpgsqlParameter
            {
                Value = req.Options.SessionTimebox > TimeSpan.Zero ? now + req.Options.SessionTimebox : DBNull.Value,
                NpgsqlDbType = NpgsqlDbType.TimestampTz,
            });
            var token = new NpgsqlBatchCommand(
                "INSERT INTO auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id) " +
                "VALUES ('00000000-0000-0000-0000-000000000000', $1, $2, false, $3, $3, NULL, $4)");
            token.Parameters.Add(new NpgsqlParameter { Value = refresh });
            token.Parameters.Add(new NpgsqlParameter { Value = user.Id.ToString() });
            token.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            token.Parameters.Add(new NpgsqlParameter { Value = sessionId });
            var amr = new NpgsqlBatchCommand(
                "INSERT INTO auth.mfa_amr_claims (id, session_id, created_at, updated_at, authentication_method) VALUES ($1, $2, $3, $3, $4)");
            amr.Parameters.Add(new NpgsqlParameter { Value = Guid.NewGuid() });
            amr.Parameters.Add(new NpgsqlParameter { Value = sessionId });
            amr.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            amr.Parameters.Add(new NpgsqlParameter { Value = amrMethod });
            var signIn = new NpgsqlBatchCommand("UPDATE auth.users SET last_sign_in_at = $2, updated_at = $2 WHERE id = $1");
            signIn.Parameters.Add(new NpgsqlParameter { Value = user.Id });
            signIn.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            batch.BatchCommands.Add(session);
            batch.BatchCommands.Add(token);
            batch.BatchCommands.Add(amr);
            batch.BatchCommands.Add(signIn);
            if (req.Options.SingleSessionPerUser)
            {
                var others = new NpgsqlBatchCommand("DELETE FROM auth.sessions WHERE user_id = $1 AND id <> $2");
                others.Parameters.Add(new NpgsqlParameter { Value = user.Id });
                others.Parameters.Add(new NpgsqlParameter { Value = sessionId });
                batch.BatchCommands.Add(others);
            }
            // The audit row goes in the same round trip as the session rows.
            batch.BatchCommands.Add(Audit.AuditLog.Command(req, user, "login", "account", Audit.AuditLog.Provider(amrMethod switch
            {
                "password" => user.Phone is { Length: > 0 } && user.Email is null ? "phone" : "email",
                "oauth" => user.AppMetadata["provider"]?.GetValue<string>() ?? "oauth",
                _ => amrMethod,
            })));
            await batch.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        user.LastSignInAt = now;
        user.UpdatedAt = now;
        var access = await AccessTokenAsync(req, conn, tx, user, sessionId, "aal1", [(amrMethod, now)], now, amrMethod).ConfigureAwait(false);
        return new IssuedSession(access, refresh, req.Options.JwtExpiry, new DateTimeOffset(now).ToUnixTimeSeconds() + req.Options.JwtExpiry, user, sessionId);
    }

    /// <summary>Builds the claims, lets the custom access token hook rewrite them, and signs.</summary>
    public static async Task<string> AccessTokenAsync(AuthRequest req, NpgsqlConnection conn, NpgsqlTransaction? tx, UserRecord user, Guid sessionId,
        string aal, IReadOnlyList<(string Method, DateTime At)> amr, DateTime now, string authMethod)
    {
        var claims = Claims(req.Options, user, sessionId, aal, amr, now);
        claims = await Hooks.CustomAccessTokenHook.ApplyAsync(req, conn, tx, user.Id, claims, authMethod).ConfigureAwait(false);
        return req.Project.Keys.SignAccessToken(claims);
    }

    /// <summary>GoTrue's access-token claims, in GoTrue's order.</summary>
    private static string Claims(AuthOptions options, UserRecord user, Guid sessionId, string aal,
        IReadOnlyList<(string Method, DateTime At)> amr, DateTime now)
    {
        var iat = new DateTimeOffset(DateTime.SpecifyKind(now, DateTimeKind.Utc)).ToUnixTimeSeconds();
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            if (options.JwtIssuer.Length > 0) w.WriteString("iss", options.JwtIssuer);
            w.WriteString("sub", user.Id);
            w.WriteString("aud", user.Aud.Length > 0 ? user.Aud : options.JwtAud);
            w.WriteNumber("exp", iat + options.JwtExpiry);
            w.WriteNumber("iat", iat);
            w.WriteString("email", user.Email ?? "");
            w.WriteString("phone", user.Phone ?? "");
            w.WritePropertyName("app_metadata");
            w.WriteRawValue(user.AppMetadata.ToJsonString());
            w.WritePropertyName("user_metadata");
            w.WriteRawValue(user.UserMetadata.ToJsonString());
            w.WriteString("role", user.Role.Length > 0 ? user.Role : options.JwtDefaultGroup);
            w.WriteString("aal", aal);
            w.WriteStartArray("amr");
            foreach (var (method, at) in amr.OrderByDescending(a => a.At))
            {
                w.WriteStartObject();
                w.WriteString("method", method);
                w.WriteNumber("timestamp", new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)).ToUnixTimeSeconds());
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteString("session_id", sessionId);
            w.WriteBoolean("is_anonymous", user.IsAnonymous);
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>The refresh_token grant, GoTrue v1 semantics (see auth.md §2).</summary>
    public static async Task<IssuedSession> RefreshAsync(AuthRequest req, string token)
    {
        var ct = req.Aborted;
        var options = req.Options;
        await using var conn = await req.Db.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);

        long tokenId;
        bool revoked;
        Guid? sessionId;
        Guid userId;
        DateTime updatedAt;
        await using (var cmd = new NpgsqlCommand(
            "SELECT id, revoked, session_id, user_id, updated_at FROM auth.refresh_tokens WHERE token = $1 FOR UPDATE", conn, tx))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = token });
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            if (!await r.ReadAsync(ct).ConfigureAwait(false))
                throw AuthException.BadRequest("refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found");
            tokenId = r.GetInt64(0);
            revoked = !r.IsDBNull(1) && r.GetBoolean(1);
            sessionId = r.IsDBNull(2) ? null : r.GetGuid(2);
            if (!Guid.TryParse(r.IsDBNull(3) ? "" : r.GetString(3), out userId))
                throw AuthException.BadRequest("refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found");
            updatedAt = r.IsDBNull(4) ? DateTime.UtcNow : r.GetDateTime(4);
        }

        var user = await UserStore.FindByIdAsync(conn, userId, ct, tx).ConfigureAwait(false)
            ?? throw AuthException.BadRequest("refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found");
        if (user.IsBanned) throw AuthException.BadRequest("user_banned", "Invalid Refresh Token: User Banned");
        if (sessionId is null) throw AuthException.BadRequest("session_not_found", "Invalid Refresh Token: No Valid Session Found");

        string aal;
        DateTime? notAfter;
        DateTime lastActive;
        await using (var cmd = new NpgsqlCommand(
            "SELECT aal::text, not_after, coalesce(refreshed_at AT TIME ZONE 'UTC', created_at) FROM auth.sessions WHERE id = $1 FOR UPDATE", conn, tx))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = sessionId.Value });
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            if (!await r.ReadAsync(ct).ConfigureAwait(false))
                throw AuthException.BadRequest("session_not_found", "Invalid Refresh Token: No Valid Session Found");
            aal = r.IsDBNull(0) ? "aal1" : r.GetString(0);
            notAfter = r.IsDBNull(1) ? null : r.GetDateTime(1);
            lastActive = r.IsDBNull(2) ? DateTime.UtcNow : r.GetDateTime(2);
        }
        var now = DateTime.UtcNow;
        if (notAfter is { } na && na < now) throw AuthException.BadRequest("session_expired", "Invalid Refresh Token: Session Expired");
        if (options.SessionInactivityTimeout > TimeSpan.Zero && now - lastActive > options.SessionInactivityTimeout)
            throw AuthException.BadRequest("session_expired", "Invalid Refresh Token: Session Expired (Inactivity)");

        string issued;
        if (revoked)
        {
            // 1. The parent of the session's active token: hand the active token back (concurrent tabs).
            string? active = null;
            await using (var cmd = new NpgsqlCommand(
                "SELECT token FROM auth.refresh_tokens WHERE session_id = $1 AND parent = $2 AND revoked = false ORDER BY id DESC LIMIT 1", conn, tx))
            {
                cmd.Parameters.Add(new NpgsqlParameter { Value = sessionId.Value });
                cmd.Parameters.Add(new NpgsqlParameter { Value = token });
                active = await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false) as string;
            }
            if (active is not null)
            {
                issued = active;
            }
            else if (options.RefreshTokenRotation && (now - updatedAt).TotalSeconds >= options.RefreshTokenReuseInterval)
            {
                // 3. Reuse outside the interval: treat as stolen, end the whole session.
                await using (var cmd = new NpgsqlCommand("DELETE FROM auth.sessions WHERE id = $1", conn, tx))
                {
                    cmd.Parameters.Add(new NpgsqlParameter { Value = sessionId.Value });
                    await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }
                await Audit.AuditLog.WriteAsync(req, conn, tx, user, "token_revoked", "token").ConfigureAwait(false);
                await tx.CommitAsync(ct).ConfigureAwait(false);
                throw AuthException.BadRequest("refresh_token_already_used", "Invalid Refresh Token: Already Used");
            }
            else
            {
                // 2. Within the reuse interval: another child of the same parent.
                issued = await RotateAsync(conn, tx, token, user.Id, sessionId.Value, now, revokeParent: false, tokenId, ct).ConfigureAwait(false);
            }
        }
        else
        {
            issued = await RotateAsync(conn, tx, token, user.Id, sessionId.Value, now, revokeParent: true, tokenId, ct).ConfigureAwait(false);
        }

        await using (var cmd = new NpgsqlCommand("UPDATE auth.sessions SET refreshed_at = $2, updated_at = $3 WHERE id = $1", conn, tx))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = sessionId.Value });
            cmd.Parameters.Add(new NpgsqlParameter { Value = DateTime.SpecifyKind(now, DateTimeKind.Unspecified), NpgsqlDbType = NpgsqlDbType.Timestamp });
            cmd.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        var amr = await AmrAsync(conn, tx, sessionId.Value, ct).ConfigureAwait(false);
        await Audit.AuditLog.WriteAsync(req, conn, tx, user, "token_refreshed", "token").ConfigureAwait(false);
        var access = await AccessTokenAsync(req, conn, tx, user, sessionId.Value, aal, amr, now, "token_refresh").ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return new IssuedSession(access, issued, options.JwtExpiry, new DateTimeOffset(now).ToUnixTimeSeconds() + options.JwtExpiry, user, sessionId.Value);
    }

    private static async Task<string> RotateAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string parent, Guid userId, Guid sessionId,
        DateTime now, bool revokeParent, long parentId, CancellationToken ct)
    {
        var child = NewRefreshToken();
        await using var batch = new NpgsqlBatch(conn, tx);
        if (revokeParent)
        {
            var revoke = new NpgsqlBatchCommand("UPDATE auth.refresh_tokens SET revoked = true, updated_at = $2 WHERE id = $1");
            revoke.Parameters.Add(new NpgsqlParameter { Value = parentId });
            revoke.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            batch.BatchCommands.Add(revoke);
        }
        var insert = new NpgsqlBatchCommand(
            "INSERT INTO auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id) " +
            "VALUES ('00000000-0000-0000-0000-000000000000', $1, $2, false, $3, $3, $4, $5)");
        insert.Parameters.Add(new NpgsqlParameter { Value = child });
        insert.Parameters.Add(new NpgsqlParameter { Value = userId.ToString() });
        insert.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        insert.Parameters.Add(new NpgsqlParameter { Value = parent });
        insert.Parameters.Add(new NpgsqlParameter { Value = sessionId });
        batch.BatchCommands.Add(insert);
        await batch.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        return child;
    }

    public static async Task<List<(string Method, DateTime At)>> AmrAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid sessionId, CancellationToken ct)
    {
        var list = new List<(string, DateTime)>();
        await using var cmd = new NpgsqlCommand(
            "SELECT authentication_method, updated_at FROM auth.mfa_amr_claims WHERE session_id = $1 ORDER BY updated_at DESC", conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter { Value = sessionId });
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false)) list.Add((r.GetString(0), r.GetDateTime(1)));
        return list;
    }

    /// <summary>The Session object.</summary>
    public static void Write(Utf8JsonWriter w, IssuedSession s, Action<Utf8JsonWriter>? extra = null)
    {
        w.WriteStartObject();
        w.WriteString("access_token", s.AccessToken);
        w.WriteString("token_type", "bearer");
        w.WriteNumber("expires_in", s.ExpiresIn);
        w.WriteNumber("expires_at", s.ExpiresAt);
        w.WriteString("refresh_token", s.RefreshToken);
        w.WritePropertyName("user");
        UserJson.Write(w, s.User);
        extra?.Invoke(w);
        w.WriteEndObject();
    }

    public static Task WriteAsync(AuthRequest req, IssuedSession s, Action<Utf8JsonWriter>? extra = null) =>
        JsonResponse.WriteAsync(req.Http, 200, w => Write(w, s, extra));

    private static string NormalizeIp(string ip) => System.Net.IPAddress.TryParse(ip, out var a) ? a.ToString() : "127.0.0.1";
}
