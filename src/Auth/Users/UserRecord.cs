using System.Text.Json;
using System.Text.Json.Nodes;

namespace Supacs.Auth.Users;

/// <summary>A row of auth.users (the columns GoTrue reads), with its identities and factors once loaded.</summary>
internal sealed class UserRecord
{
    public Guid Id { get; set; }
    public string Aud { get; set; } = "";
    public string Role { get; set; } = "";
    public string? Email { get; set; }
    public string? Phone { get; set; }
    public string? EncryptedPassword { get; set; }
    public DateTime? EmailConfirmedAt { get; set; }
    public DateTime? PhoneConfirmedAt { get; set; }
    public DateTime? ConfirmedAt { get; set; }
    public DateTime? InvitedAt { get; set; }
    public string? ConfirmationToken { get; set; }
    public DateTime? ConfirmationSentAt { get; set; }
    public string? RecoveryToken { get; set; }
    public DateTime? RecoverySentAt { get; set; }
    public string? EmailChange { get; set; }
    public string? EmailChangeTokenNew { get; set; }
    public string? EmailChangeTokenCurrent { get; set; }
    public DateTime? EmailChangeSentAt { get; set; }
    public short EmailChangeConfirmStatus { get; set; }
    public string? PhoneChange { get; set; }
    public string? PhoneChangeToken { get; set; }
    public DateTime? PhoneChangeSentAt { get; set; }
    public string? ReauthenticationToken { get; set; }
    public DateTime? ReauthenticationSentAt { get; set; }
    public DateTime? LastSignInAt { get; set; }
    public JsonObject AppMetadata { get; set; } = [];
    public JsonObject UserMetadata { get; set; } = [];
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public DateTime? BannedUntil { get; set; }
    public DateTime? DeletedAt { get; set; }
    public bool IsAnonymous { get; set; }
    public bool IsSsoUser { get; set; }

    public List<IdentityRecord> Identities { get; } = [];
    public List<FactorRecord> Factors { get; } = [];

    public bool IsBanned => BannedUntil is { } b && b > DateTime.UtcNow;
    public bool IsEmailConfirmed => EmailConfirmedAt is not null;

    public static JsonObject ParseObject(string? json)
    {
        if (string.IsNullOrEmpty(json)) return [];
        return JsonNode.Parse(json) as JsonObject ?? [];
    }
}

/// <summary>A row of auth.identities.</summary>
internal sealed class IdentityRecord
{
    public Guid Id { get; set; }
    public string ProviderId { get; set; } = "";
    public Guid UserId { get; set; }
    public JsonObject IdentityData { get; set; } = [];
    public string Provider { get; set; } = "";
    public DateTime? LastSignInAt { get; set; }
    public DateTime? CreatedAt { get; set; }
    public DateTime? UpdatedAt { get; set; }
    public string? Email { get; set; }
}

/// <summary>A row of auth.mfa_factors.</summary>
internal sealed class FactorRecord
{
    public Guid Id { get; set; }
    public Guid UserId { get; set; }
    public string? FriendlyName { get; set; }
    public string FactorType { get; set; } = "totp";
    public string Status { get; set; } = "unverified";
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public string? Secret { get; set; }
    public string? Phone { get; set; }
    public DateTime? LastChallengedAt { get; set; }
}

internal static class JsonTime
{
    /// <summary>GoTrue's RFC 3339 timestamps with microseconds.</summary>
    public static string Format(DateTime t) =>
        DateTime.SpecifyKind(t, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    public static void Write(Utf8JsonWriter w, string name, DateTime? t)
    {
        if (t is { } v) w.WriteString(name, Format(v));
    }
}
