using System.Data;
using System.Text.Json.Nodes;
using Npgsql;
using NpgsqlTypes;

namespace Supacs.Auth.Users;

/// <summary>SQL for auth.users, auth.identities and auth.mfa_factors. Users are looked up as GoTrue does (instance and aud).</summary>
internal static class UserStore
{
    public const string Columns =
        "id, aud, role, email, phone, encrypted_password, email_confirmed_at, phone_confirmed_at, confirmed_at, invited_at, " +
        "confirmation_token, confirmation_sent_at, recovery_token, recovery_sent_at, email_change, email_change_token_new, " +
        "email_change_token_current, email_change_sent_at, email_change_confirm_status, phone_change, phone_change_token, " +
        "phone_change_sent_at, reauthentication_token, reauthentication_sent_at, last_sign_in_at, raw_app_meta_data::text, " +
        "raw_user_meta_data::text, created_at, updated_at, banned_until, deleted_at, is_anonymous, is_sso_user";

    private const string InstanceFilter = "(instance_id = '00000000-0000-0000-0000-000000000000' OR instance_id IS NULL)";

    public static async Task<UserRecord?> FindByIdAsync(NpgsqlConnection conn, Guid id, CancellationToken ct, NpgsqlTransaction? tx = null, bool forUpdate = false)
    {
        await using var cmd = new NpgsqlCommand($"SELECT {Columns} FROM auth.users WHERE id = $1{(forUpdate ? " FOR UPDATE" : "")}", conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter { Value = id });
        return await LoadAsync(cmd, conn, tx, ct).ConfigureAwait(false);
    }

    public static async Task<UserRecord?> FindByEmailAsync(NpgsqlConnection conn, string email, string aud, CancellationToken ct, NpgsqlTransaction? tx = null)
    {
        await using var cmd = new NpgsqlCommand(
            $"SELECT {Columns} FROM auth.users WHERE {InstanceFilter} AND lower(email) = lower($1) AND aud = $2 AND is_sso_user = false LIMIT 1", conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter { Value = email });
        cmd.Parameters.Add(new NpgsqlParameter { Value = aud });
        return await LoadAsync(cmd, conn, tx, ct).ConfigureAwait(false);
    }

    public static async Task<UserRecord?> FindByPhoneAsync(NpgsqlConnection conn, string phone, string aud, CancellationToken ct, NpgsqlTransaction? tx = null)
    {
        await using var cmd = new NpgsqlCommand(
            $"SELECT {Columns} FROM auth.users WHERE {InstanceFilter} AND phone = $1 AND aud = $2 LIMIT 1", conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter { Value = phone });
        cmd.Parameters.Add(new NpgsqlParameter { Value = aud });
        return await LoadAsync(cmd, conn, tx, ct).ConfigureAwait(false);
    }

    /// <summary>A user whose column <paramref name="tokenColumn"/> holds <paramref name="token"/> (email link verification).</summary>
    public static async Task<UserRecord?> FindByTokenAsync(NpgsqlConnection conn, string tokenColumn, string token, CancellationToken ct, NpgsqlTransaction? tx = null)
    {
        await using var cmd = new NpgsqlCommand($"SELECT {Columns} FROM auth.users WHERE {tokenColumn} = $1 LIMIT 1", conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter { Value = token });
        return await LoadAsync(cmd, conn, tx, ct).ConfigureAwait(false);
    }

    private static async Task<UserRecord?> LoadAsync(NpgsqlCommand cmd, NpgsqlConnection conn, NpgsqlTransaction? tx, CancellationToken ct)
    {
        UserRecord? user;
        await using (var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(ct).ConfigureAwait(false)) return null;
            user = Read(reader);
        }
        await LoadRelatedAsync(conn, user, ct, tx).ConfigureAwait(false);
        return user;
    }

    public static async Task<List<UserRecord>> ListAsync(NpgsqlConnection conn, string aud, string? filter, int page, int perPage, CancellationToken ct)
    {
        var users = new List<UserRecord>();
        await using (var cmd = new NpgsqlCommand(
            $"SELECT {Columns} FROM auth.users WHERE {InstanceFilter} AND aud = $1 AND ($2::text IS NULL OR email ILIKE $2 OR raw_user_meta_data->>'full_name' ILIKE $2) " +
            "ORDER BY created_at DESC, id LIMIT $3 OFFSET $4", conn))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = aud });
            cmd.Parameters.Add(new NpgsqlParameter { Value = filter is null ? DBNull.Value : "%" + filter + "%", NpgsqlDbType = NpgsqlDbType.Text });
            cmd.Parameters.Add(new NpgsqlParameter { Value = perPage });
            cmd.Parameters.Add(new NpgsqlParameter { Value = (page - 1) * perPage });
            await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false)) users.Add(Read(reader));
        }
        foreach (var u in users) await LoadRelatedAsync(conn, u, ct, null).ConfigureAwait(false);
        return users;
    }

    public static async Task<long> CountAsync(NpgsqlConnection conn, string aud, string? filter, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            $"SELECT count(*) FROM auth.users WHERE {InstanceFilter} AND aud = $1 AND ($2::text IS NULL OR email ILIKE $2 OR raw_user_meta_data->>'full_name' ILIKE $2)", conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = aud });
        cmd.Parameters.Add(new NpgsqlParameter { Value = filter is null ? DBNull.Value : "%" + filter + "%", NpgsqlDbType = NpgsqlDbType.Text });
        return (long)(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
    }

    private static UserRecord Read(NpgsqlDataReader r)
    {
        DateTime? T(int i) => r.IsDBNull(i) ? null : r.GetDateTime(i);
        string? S(int i) => r.IsDBNull(i) ? null : r.GetString(i);
        return new UserRecord
        {
            Id = r.GetGuid(0),
            Aud = S(1) ?? "",
            Role = S(2) ?? "",
            Email = S(3),
            Phone = S(4),
            EncryptedPassword = S(5),
            EmailConfirmedAt = T(6),
            PhoneConfirmedAt = T(7),
            ConfirmedAt = T(8),
            InvitedAt = T(9),
            ConfirmationToken = S(10),
            ConfirmationSentAt = T(11),
            RecoveryToken = S(12),
            RecoverySentAt = T(13),
            EmailChange = S(14),
            EmailChangeTokenNew = S(15),
            EmailChangeTokenCurrent = S(16),
            EmailChangeSentAt = T(17),
            EmailChangeConfirmStatus = r.IsDBNull(18) ? (short)0 : r.GetInt16(18),
            PhoneChange = S(19),
            PhoneChangeToken = S(20),
            PhoneChangeSentAt = T(21),
            ReauthenticationToken = S(22),
            ReauthenticationSentAt = T(23),
            LastSignInAt = T(24),
            AppMetadata = UserRecord.ParseObject(S(25)),
            UserMetadata = UserRecord.ParseObject(S(26)),
            CreatedAt = T(27) ?? DateTime.UtcNow,
            UpdatedAt = T(28) ?? DateTime.UtcNow,
            BannedUntil = T(29),
            DeletedAt = T(30),
            IsAnonymous = !r.IsDBNull(31) && r.GetBoolean(31),
            IsSsoUser = !r.IsDBNull(32) && r.GetBoolean(32),
        };
    }

    public static async Task LoadRelatedAsync(NpgsqlConnection conn, UserRecord user, CancellationToken ct, NpgsqlTransaction? tx = null)
    {
        user.Identities.Clear();
        user.Factors.Clear();
        await using var batch = new NpgsqlBatch(conn, tx);
        var identities = new NpgsqlBatchCommand(
            "SELECT id, provider_id, user_id, identity_data::text, provider, last_sign_in_at, created_at, updated_at, email " +
            "FROM auth.identities WHERE user_id = $1 ORDER BY created_at, id");
        identities.Parameters.Add(new NpgsqlParameter { Value = user.Id });
        var factors = new NpgsqlBatchCommand(
            "SELECT id, user_id, friendly_name, factor_type::text, status::text, created_at, updated_at, secret, phone, last_challenged_at " +
            "FROM auth.mfa_factors WHERE user_id = $1 ORDER BY created_at, id");
        factors.Parameters.Add(new NpgsqlParameter { Value = user.Id });
        batch.BatchCommands.Add(identities);
        batch.BatchCommands.Add(factors);
        await using var r = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            user.Identities.Add(new IdentityRecord
            {
                Id = r.GetGuid(0),
                ProviderId = r.GetString(1),
                UserId = r.GetGuid(2),
                IdentityData = UserRecord.ParseObject(r.GetString(3)),
                Provider = r.GetString(4),
                LastSignInAt = r.IsDBNull(5) ? null : r.GetDateTime(5),
                CreatedAt = r.IsDBNull(6) ? null : r.GetDateTime(6),
                UpdatedAt = r.IsDBNull(7) ? null : r.GetDateTime(7),
                Email = r.IsDBNull(8) ? null : r.GetString(8),
            });
        }
        await r.NextResultAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            user.Factors.Add(new FactorRecord
            {
                Id = r.GetGuid(0),
                UserId = r.GetGuid(1),
                FriendlyName = r.IsDBNull(2) ? null : r.GetString(2),
                FactorType = r.GetString(3),
                Status = r.GetString(4),
                CreatedAt = r.GetDateTime(5),
                UpdatedAt = r.GetDateTime(6),
                Secret = r.IsDBNull(7) ? null : r.GetString(7),
                Phone = r.IsDBNull(8) ? null : r.GetString(8),
                LastChallengedAt = r.IsDBNull(9) ? null : r.GetDateTime(9),
            });
        }
    }

    /// <summary>Inserts a new user row with GoTrue's empty-string token columns (NULLs there crash GoTrue).</summary>
    public static async Task InsertAsync(NpgsqlConnection conn, NpgsqlTransaction tx, UserRecord u, CancellationToken ct)
    {
        const string sql =
            "INSERT INTO auth.users (instance_id, id, aud, role, email, phone, encrypted_password, email_confirmed_at, phone_confirmed_at, " +
            "invited_at, confirmation_token, confirmation_sent_at, recovery_token, email_change_token_new, email_change, " +
            "email_change_token_current, email_change_confirm_status, phone_change, phone_change_token, reauthentication_token, " +
            "raw_app_meta_data, raw_user_meta_data, created_at, updated_at, banned_until, is_anonymous, is_sso_user, last_sign_in_at) " +
            "VALUES ('00000000-0000-0000-0000-000000000000', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, '', '', '', '', 0, '', '', '', " +
            "$12::jsonb, $13::jsonb, $14, $14, $15, $16, false, $17)";
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        var p = cmd.Parameters;
        p.Add(new NpgsqlParameter { Value = u.Id });
        p.Add(new NpgsqlParameter { Value = u.Aud });
        p.Add(new NpgsqlParameter { Value = u.Role });
        p.Add(Nullable(u.Email));
        p.Add(Nullable(u.Phone));
        p.Add(new NpgsqlParameter { Value = u.EncryptedPassword ?? "" });
        p.Add(NullableTime(u.EmailConfirmedAt));
        p.Add(NullableTime(u.PhoneConfirmedAt));
        p.Add(NullableTime(u.InvitedAt));
        p.Add(new NpgsqlParameter { Value = u.ConfirmationToken ?? "" });
        p.Add(NullableTime(u.ConfirmationSentAt));
        p.Add(new NpgsqlParameter { Value = u.AppMetadata.ToJsonString() });
        p.Add(new NpgsqlParameter { Value = u.UserMetadata.ToJsonString() });
        p.Add(new NpgsqlParameter { Value = DateTime.SpecifyKind(u.CreatedAt, DateTimeKind.Utc), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        p.Add(NullableTime(u.BannedUntil));
        p.Add(new NpgsqlParameter { Value = u.IsAnonymous });
        p.Add(NullableTime(u.LastSignInAt));
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Writes back every mutable column of the user (GoTrue updates whole rows too).</summary>
    public static async Task UpdateAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, UserRecord u, CancellationToken ct)
    {
        const string sql =
            "UPDATE auth.users SET aud = $2, role = $3, email = $4, phone = $5, encrypted_password = $6, email_confirmed_at = $7, " +
            "phone_confirmed_at = $8, invited_at = $9, confirmation_token = $10, confirmation_sent_at = $11, recovery_token = $12, " +
            "recovery_sent_at = $13, email_change = $14, email_change_token_new = $15, email_change_token_current = $16, " +
            "email_change_sent_at = $17, email_change_confirm_status = $18, phone_change = $19, phone_change_token = $20, " +
            "phone_change_sent_at = $21, reauthentication_token = $22, reauthentication_sent_at = $23, last_sign_in_at = $24, " +
            "raw_app_meta_data = $25::jsonb, raw_user_meta_data = $26::jsonb, updated_at = $27, banned_until = $28, " +
            "is_anonymous = $29, deleted_at = $30 WHERE id = $1";
        u.UpdatedAt = DateTime.UtcNow;
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        var p = cmd.Parameters;
        p.Add(new NpgsqlParameter { Value = u.Id });
        p.Add(new NpgsqlParameter { Value = u.Aud });
        p.Add(new NpgsqlParameter { Value = u.Role });
        p.Add(Nullable(u.Email));
        p.Add(Nullable(u.Phone));
        p.Add(new NpgsqlParameter { Value = u.EncryptedPassword ?? "" });
        p.Add(NullableTime(u.EmailConfirmedAt));
        p.Add(NullableTime(u.PhoneConfirmedAt));
        p.Add(NullableTime(u.InvitedAt));
        p.Add(new NpgsqlParameter { Value = u.ConfirmationToken ?? "" });
        p.Add(NullableTime(u.ConfirmationSentAt));
        p.Add(new NpgsqlParameter { Value = u.RecoveryToken ?? "" });
        p.Add(NullableTime(u.RecoverySentAt));
        p.Add(new NpgsqlParameter { Value = u.EmailChange ?? "" });
        p.Add(new NpgsqlParameter { Value = u.EmailChangeTokenNew ?? "" });
        p.Add(new NpgsqlParameter { Value = u.EmailChangeTokenCurrent ?? "" });
        p.Add(NullableTime(u.EmailChangeSentAt));
        p.Add(new NpgsqlParameter { Value = u.EmailChangeConfirmStatus });
        p.Add(new NpgsqlParameter { Value = u.PhoneChange ?? "" });
        p.Add(new NpgsqlParameter { Value = u.PhoneChangeToken ?? "" });
        p.Add(NullableTime(u.PhoneChangeSentAt));
        p.Add(new NpgsqlParameter { Value = u.ReauthenticationToken ?? "" });
        p.Add(NullableTime(u.ReauthenticationSentAt));
        p.Add(NullableTime(u.LastSignInAt));
        p.Add(new NpgsqlParameter { Value = u.AppMetadata.ToJsonString() });
        p.Add(new NpgsqlParameter { Value = u.UserMetadata.ToJsonString() });
        p.Add(new NpgsqlParameter { Value = u.UpdatedAt, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        p.Add(NullableTime(u.BannedUntil));
        p.Add(new NpgsqlParameter { Value = u.IsAnonymous });
        p.Add(NullableTime(u.DeletedAt));
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    public static async Task<IdentityRecord> InsertIdentityAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid userId, string provider,
        string providerId, JsonObject data, CancellationToken ct)
    {
        var now = DateTime.UtcNow;
        var identity = new IdentityRecord
        {
            Id = Guid.NewGuid(), ProviderId = providerId, UserId = userId, IdentityData = data, Provider = provider,
            LastSignInAt = now, CreatedAt = now, UpdatedAt = now, Email = (data["email"]?.GetValue<string>())?.ToLowerInvariant(),
        };
        await using var cmd = new NpgsqlCommand(
            "INSERT INTO auth.identities (id, provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at) " +
            "VALUES ($1, $2, $3, $4::jsonb, $5, $6, $6, $6)", conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter { Value = identity.Id });
        cmd.Parameters.Add(new NpgsqlParameter { Value = providerId });
        cmd.Parameters.Add(new NpgsqlParameter { Value = userId });
        cmd.Parameters.Add(new NpgsqlParameter { Value = data.ToJsonString() });
        cmd.Parameters.Add(new NpgsqlParameter { Value = provider });
        cmd.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        return identity;
    }

    public static async Task UpdateIdentityDataAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, IdentityRecord identity, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("UPDATE auth.identities SET identity_data = $2::jsonb, updated_at = now() WHERE id = $1", conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter { Value = identity.Id });
        cmd.Parameters.Add(new NpgsqlParameter { Value = identity.IdentityData.ToJsonString() });
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private static NpgsqlParameter Nullable(string? s) => new() { Value = string.IsNullOrEmpty(s) ? DBNull.Value : s, NpgsqlDbType = NpgsqlDbType.Text };

    private static NpgsqlParameter NullableTime(DateTime? t) =>
        new() { Value = t is { } v ? DateTime.SpecifyKind(v, DateTimeKind.Utc) : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz };

    /// <summary>Maps a unique violation on email/phone to GoTrue's errors.</summary>
    public static bool IsUniqueViolation(PostgresException e, string constraintFragment) =>
        e.SqlState == PostgresErrorCodes.UniqueViolation && (e.ConstraintName?.Contains(constraintFragment, StringComparison.Ordinal) ?? false);

    public static IsolationLevel Isolation => IsolationLevel.ReadCommitted;
}
