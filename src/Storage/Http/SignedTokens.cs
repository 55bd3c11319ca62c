using System.Text.Json;
using Supacs.Core.Keys;
using Supacs.Core.Projects;

namespace Supacs.Storage.Http;

/// <summary>
/// Signed-URL tokens as upstream issues them: HS256 JWTs with the project's JWT secret carrying
/// <c>url</c> ("bucket/name") and <c>exp</c>; upload tokens add <c>owner</c> and <c>upsert</c>.
/// </summary>
internal static class SignedTokens
{
    public static string Create(SupacsProject project, string url, int expiresIn, Action<Utf8JsonWriter>? extra = null)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            extra?.Invoke(w);
            w.WriteString("url", url);
            w.WriteNumber("iat", now);
            w.WriteNumber("exp", now + expiresIn);
            w.WriteEndObject();
        }
        return project.Keys.SignPayload(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    /// <summary>Checks signature, expiry and that the token was issued for <paramref name="url"/>; returns its claims.</summary>
    public static async Task<JsonElement> VerifyAsync(SupacsProject project, string? token, string url)
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
        return result.Claims;
    }
}
