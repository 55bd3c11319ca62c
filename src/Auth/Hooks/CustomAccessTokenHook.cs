using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using Supacs.Auth.Config;
using Supacs.Auth.Http;

namespace Supacs.Auth.Hooks;

/// <summary>
/// The custom access token hook: <c>{user_id, claims, authentication_method}</c> goes to a Postgres function
/// (<c>pg-functions://postgres/schema/fn</c>, called in the sign-in's transaction) or an HTTPS endpoint signed the
/// Standard Webhooks way; it answers <c>{claims}</c> (or <c>{error:{http_code, message}}</c>). The returned claims
/// must still carry GoTrue's required ones.
/// </summary>
internal static class CustomAccessTokenHook
{
    private static readonly string[] Required = ["aud", "exp", "iat", "sub", "email", "phone", "role", "aal", "session_id", "is_anonymous"];

    public static async Task<string> ApplyAsync(AuthRequest req, NpgsqlConnection conn, NpgsqlTransaction? tx, Guid userId, string claimsJson, string authMethod)
    {
        var hook = req.Options.CustomAccessTokenHook;
        if (hook is not { Enabled: true }) return claimsJson;
        var input = new JsonObject
        {
            ["user_id"] = userId.ToString(),
            ["claims"] = JsonNode.Parse(claimsJson),
            ["authentication_method"] = authMethod,
        }.ToJsonString();

        var output = await HookRunner.InvokeAsync(req, conn, tx, hook, input).ConfigureAwait(false);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        if (!root.TryGetProperty("claims", out var claims) || claims.ValueKind != JsonValueKind.Object || Required.Any(r => !claims.TryGetProperty(r, out _)))
            throw new AuthException(500, "unexpected_failure", "output claims do not conform to the expected schema");
        return claims.GetRawText();
    }
}
