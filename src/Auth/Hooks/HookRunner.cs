using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;
using Supacs.Auth.Config;
using Supacs.Auth.Http;

namespace Supacs.Auth.Hooks;

/// <summary>
/// Calls an auth hook with a JSON payload: a Postgres function (<c>pg-functions://postgres/schema/fn</c>, one jsonb
/// argument, in the caller's transaction under a savepoint) or an HTTP endpoint signed the Standard Webhooks way.
/// An <c>{error:{http_code, message}}</c> answer becomes that error.
/// </summary>
internal static class HookRunner
{
    public static async Task<string> InvokeAsync(AuthRequest req, NpgsqlConnection conn, NpgsqlTransaction? tx, HookOptions hook, string input)
    {
        string output;
        if (hook.Uri.StartsWith("pg-functions://", StringComparison.Ordinal))
        {
            var parts = hook.Uri["pg-functions://".Length..].Split('/');
            if (parts.Length != 3) throw new AuthException(500, "unexpected_failure", "Invalid hook URI: " + hook.Uri);
            var fn = Quote(parts[1]) + "." + Quote(parts[2]);
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
        if (output.Length == 0) output = "{}";
        using var doc = JsonDocument.Parse(output);
        if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
        {
            var status = error.TryGetProperty("http_code", out var hc) && hc.TryGetInt32(out var c) ? c : 500;
            throw new AuthException(status, status >= 500 ? "unexpected_failure" : "unknown", AuthRequest.Str(error, "message") ?? "Hook error");
        }
        return output;
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
        HttpResponseMessage response;
        try
        {
            response = await req.Runtime.Oidc.Http.SendAsync(request, req.Aborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !req.Aborted.IsCancellationRequested)
        {
            throw new AuthException(500, "hook_timeout", "Failed to reach hook within maximum time");
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(req.Aborted).ConfigureAwait(false);
            if ((int)response.StatusCode >= 500 || (int)response.StatusCode == 401 || (int)response.StatusCode == 403 && !text.Contains("\"error\"", StringComparison.Ordinal))
                throw new AuthException(500, "unexpected_failure", $"Error running hook URI: {hook.Uri}: HTTP {(int)response.StatusCode}");
            return text;
        }
    }
}
