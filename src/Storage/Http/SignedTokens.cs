using System.Text.Json;
using Supacs.Core.Keys;
using Supacs.Core.Projects;

namespace Supacs.Storage.Http;

/// <summary>What a signed-URL token may be used for (upstream's <c>scope</c> claim).</summary>
internal enum TokenScope { Download, Upload }

/// <summary>
/// Signed-URL tokens as upstream issues them: HS256 JWTs with the project's JWT secret carrying
/// <c>url</c> ("bucket/name"), <c>exp</c> and <c>scope</c> (download|upload); upload tokens add <c>owner</c> and <c>upsert</c>.
/// A token is only accepted for its scope, so a signed download URL can never be used to write the object.
/// </summary>
internal static class SignedTokens
{
    public static string Create(SupacsProject project, string url, int expiresIn, TokenScope scope, Action<Utf8JsonWriter>? extra = null)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            extra?.Invoke(w);
            w.WriteString("url", url);
            w.WriteString("scope", scope == TokenScope.Upload ? "upload" : "download");
            w.WriteNumber("iat", now);
            w.WriteNumber("exp", now + expiresIn);
            w.WriteEndObject();
        }
        return project.Keys.SignPayload(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    /// <summary>Checks signature, expiry and that the token was issued for <paramref name="url"/>; returns its claims.</summary>
    public static async Task<JsonElement> VerifyAsync(SupacsProject project, string? token, string url, TokenScope scope)
    {
        if (string.IsNullOrEmpty(token)) throw new StorageError("400", "Error", "querystring must have required property 'token'", "MissingParameter");
        var result = await project.Keys.ValidateAsync(token).ConfigureAwait(false);
        if (!result.IsValid)
            throw result.Failure == JwtFailure.Expired ? StorageError.ExpiredToken() : StorageError.InvalidJwt(StorageRequest.JwtMessage(result.Failure));
        // JwtKeys allows 30 s of clock skew; upstream's verifier allows none for URL tokens.
        if (result.Claims.TryGetProperty("exp", out var exp) && exp.TryGetInt64(out var e) && e <= DateTimeOffset.UtcNow.ToUnixTimeSeconds())
            throw StorageError.ExpiredToken();
        if (Json.String(result.Claims, "url") != url)
            throw new StorageError("400", "InvalidSignature", "The url do not match the signature", "InvalidSignature");
        // Tokens from before the scope claim: upload tokens are the ones carrying upsert.
        var upload = Json.String(result.Claims, "scope") is { } s ? s == "upload" : result.Claims.TryGetProperty("upsert", out _);
        if (upload != (scope == TokenScope.Upload))
            throw new StorageError("400", "InvalidSignature", "The token is not valid for this operation", "InvalidSignature");
        return result.Claims;
    }
}
