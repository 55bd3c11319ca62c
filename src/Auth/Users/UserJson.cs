using System.Text.Json;

namespace Supacs.Auth.Users;

/// <summary>The User object field for field as GoTrue serialises it (conditional fields only when set).</summary>
internal static class UserJson
{
    public static void Write(Utf8JsonWriter w, UserRecord u, bool asObject = true)
    {
        if (asObject) w.WriteStartObject();
        WriteFields(w, u);
        if (asObject) w.WriteEndObject();
    }

    /// <summary>The User's members without the enclosing braces (generate_link flattens them with its own).</summary>
    public static void WriteFields(Utf8JsonWriter w, UserRecord u)
    {
        w.WriteString("id", u.Id);
        w.WriteString("aud", u.Aud);
        w.WriteString("role", u.Role);
        w.WriteString("email", u.Email ?? "");
        JsonTime.Write(w, "email_confirmed_at", u.EmailConfirmedAt);
        JsonTime.Write(w, "invited_at", u.InvitedAt);
        w.WriteString("phone", u.Phone ?? "");
        JsonTime.Write(w, "phone_confirmed_at", u.PhoneConfirmedAt);
        JsonTime.Write(w, "confirmation_sent_at", u.ConfirmationSentAt);
        JsonTime.Write(w, "confirmed_at", u.ConfirmedAt ?? Min(u.EmailConfirmedAt, u.PhoneConfirmedAt));
        JsonTime.Write(w, "recovery_sent_at", u.RecoverySentAt);
        if (!string.IsNullOrEmpty(u.EmailChange)) w.WriteString("new_email", u.EmailChange);
        JsonTime.Write(w, "email_change_sent_at", u.EmailChangeSentAt);
        if (!string.IsNullOrEmpty(u.PhoneChange)) w.WriteString("new_phone", u.PhoneChange);
        JsonTime.Write(w, "phone_change_sent_at", u.PhoneChangeSentAt);
        JsonTime.Write(w, "reauthentication_sent_at", u.ReauthenticationSentAt);
        JsonTime.Write(w, "last_sign_in_at", u.LastSignInAt);
        w.WritePropertyName("app_metadata");
        w.WriteRawValue(u.AppMetadata.ToJsonString());
        w.WritePropertyName("user_metadata");
        w.WriteRawValue(u.UserMetadata.ToJsonString());
        if (u.Factors.Count > 0)
        {
            w.WriteStartArray("factors");
            foreach (var f in u.Factors) WriteFactor(w, f);
            w.WriteEndArray();
        }
        w.WriteStartArray("identities");
        foreach (var i in u.Identities) WriteIdentity(w, i);
        w.WriteEndArray();
        w.WriteString("created_at", JsonTime.Format(u.CreatedAt));
        w.WriteString("updated_at", JsonTime.Format(u.UpdatedAt));
        JsonTime.Write(w, "banned_until", u.BannedUntil);
        JsonTime.Write(w, "deleted_at", u.DeletedAt);
        w.WriteBoolean("is_anonymous", u.IsAnonymous);
    }

    public static void WriteIdentity(Utf8JsonWriter w, IdentityRecord i)
    {
        w.WriteStartObject();
        w.WriteString("identity_id", i.Id);
        w.WriteString("id", i.ProviderId);
        w.WriteString("user_id", i.UserId);
        w.WritePropertyName("identity_data");
        w.WriteRawValue(i.IdentityData.ToJsonString());
        w.WriteString("provider", i.Provider);
        JsonTime.Write(w, "last_sign_in_at", i.LastSignInAt);
        JsonTime.Write(w, "created_at", i.CreatedAt);
        JsonTime.Write(w, "updated_at", i.UpdatedAt);
        if (i.Email is not null) w.WriteString("email", i.Email);
        w.WriteEndObject();
    }

    public static void WriteFactor(Utf8JsonWriter w, FactorRecord f)
    {
        w.WriteStartObject();
        w.WriteString("id", f.Id);
        w.WriteString("friendly_name", f.FriendlyName ?? "");
        w.WriteString("factor_type", f.FactorType);
        w.WriteString("status", f.Status);
        w.WriteString("created_at", JsonTime.Format(f.CreatedAt));
        w.WriteString("updated_at", JsonTime.Format(f.UpdatedAt));
        JsonTime.Write(w, "last_challenged_at", f.LastChallengedAt);
        if (f.Phone is not null) w.WriteString("phone", f.Phone);
        w.WriteEndObject();
    }

    private static DateTime? Min(DateTime? a, DateTime? b) => a is null ? b : b is null ? a : a < b ? a : b;
}
