using System.Security.Cryptography;
using System.Text;
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

        string output;
        if (hook.Uri.StartsWith("pg-functions://", StringComparison.Ordinal))
        {
            var parts = hook.Uri["pg-functions://".Length..].Split('/');
            if (parts.Length != 3) throw new AuthException(500, "unexpected_failure", "Invalid hook URI: " + hook.Uri);
            var fn = Quote(parts[1]) + "." + Quote(parts[2]);
            if (tx is not null)
                await using (var sp = new NpgsqlCommand("SAVEPOINT custom_access_token_hook", conn, tx)) await sp.ExecuteNonQueryAsync(req.Aborted).ConfigureAwait(false);
            try
            {
                await using var cmd = new NpgsqlCommand($"SELECT {fn}($1::jsonb)::text", conn, tx);
                cmd.Parameters.Add(new NpgsqlParameter { Value = input });
                output = await cmd.ExecuteScalarAsync(req.Aborted).ConfigureAwait(false) as string ?? "{}";
            }
            catch (PostgresException e)
            {
                throw new AuthException(500, "unexpected_failure", "Error running hook URI: " + hook.Uri + ": " + e.MessageText);
            }
        }
        else
        {
            output = await PostAsync(req, hook, input).ConfigureAwait(false);
        }

        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        if (root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
        {
            var status = error.TryGetProperty("http_code", out var hc) && hc.TryGetInt32(out var c) ? c : 500;
            throw new AuthException(status, status >= 500 ? "unexpected_failure" : "unknown", AuthRequest.Str(error, "message") ?? "Hook error");
        }
        if (!root.TryGetProperty("claims", out var claims) || claims.ValueKind != JsonValueKind.Object || Required.Any(r => !claims.TryGetProperty(r, out _)))
            throw new AuthException(500, "unexpected_failure", "output claims do not conform to the expected schema");
        return claims.GetRawText();
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>Standard Webhooks: webhook-id, webhook-timestamp and an HMAC-SHA256 signature with the v1,whsec_ secret.</summary>
    private static async Task<string> PostAsync(AuthRequest req, HookOptions hook, string body)
    {
        var id = "msg_" + Guid.NewGuid().ToString("N");
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, hook.Uri) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", timestamp);
        var signatures = new List<string>();
        foreach (var secret in hook.Secrets.Split('|', StringSplitOptions.RemoveEmptyEntries))
        {
            var raw = secret.StartsWith("v1,", StringComparison.Ordinal) ? secret[3..] : secret;
            if (raw.StartsWith("whsec_", StringComparison.Ordinal)) raw = raw[6..];
            var mac = HMACSHA256.HashData(Convert.FromBase64String(raw), Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}"));
            signatures.Add("v1," + Convert.ToBase64String(mac));
        }
        if (signatures.Count > 0) request.Headers.Add("webhook-signature", string.Join(' ', signatures));
        using var response = await req.Runtime.Oidc.Http.SendAsync(request, req.Aborted).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(req.Aborted).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw new AuthException(500, "unexpected_failure", $"Error running hook URI: {hook.Uri}: HTTP {(int)response.StatusCode}");
        return text;
    }
}
