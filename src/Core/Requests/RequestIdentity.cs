using System.Text.Json;

namespace Supacs.Core.Requests;

/// <summary>
/// Who a request runs as: the database role and the JWT claims it was granted. Built from the
/// <c>Authorization: Bearer</c> token, else the <c>apikey</c>; with neither, the anon role and empty claims.
/// </summary>
public sealed record RequestIdentity(string Role, string ClaimsJson, JsonElement Claims, string? Token)
{
    public static RequestIdentity Anonymous(string anonRole = "anon") =>
        new(anonRole, "{\"role\":\"" + anonRole + "\"}", JsonDocument.Parse("{\"role\":\"" + anonRole + "\"}").RootElement.Clone(), null);

    /// <summary>The caller's user id (<c>sub</c>), when the token has one.</summary>
    public string? Subject => Claim("sub");

    public string? Claim(string name) =>
        Claims.ValueKind == JsonValueKind.Object && Claims.TryGetProperty(name, out var v)
            ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText()
            : null;

    public bool IsServiceRole => Role == "service_role";
}
