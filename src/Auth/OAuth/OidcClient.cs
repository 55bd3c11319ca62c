using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json;
using Supacs.Auth.Config;
using Supacs.Auth.Http;

namespace Supacs.Auth.OAuth;

/// <summary>A provider's OpenID Connect endpoints, from its discovery document.</summary>
internal sealed record OidcEndpoints(string Issuer, string AuthorizationEndpoint, string TokenEndpoint, string? UserinfoEndpoint, string? JwksUri);

/// <summary>The tokens a code exchange returned.</summary>
internal sealed record ProviderTokens(string AccessToken, string? RefreshToken, string? IdToken);

/// <summary>
/// Talks to OpenID Connect providers: discovery (cached per issuer), the authorization-code exchange and the
/// userinfo call. One instance per project (it owns the project's HttpClient).
/// </summary>
internal sealed class OidcClient : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>The project's outgoing HTTP client (providers, HTTP hooks).</summary>
    public HttpClient Http => _http;
    private readonly ConcurrentDictionary<string, OidcEndpoints> _discovery = new(StringComparer.Ordinal);

    public async Task<OidcEndpoints> DiscoverAsync(OAuthProviderOptions provider, CancellationToken ct)
    {
        if (provider.Url.Length == 0) throw AuthException.Validation($"Unsupported provider: Provider {provider.Name} could not be found");
        var issuer = provider.Url.TrimEnd('/');
        if (_discovery.TryGetValue(issuer, out var cached)) return cached;
        using var response = await _http.GetAsync(issuer + "/.well-known/openid-configuration", ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw new AuthException(500, "unexpected_failure", $"Error getting OpenID configuration of {provider.Name}: HTTP {(int)response.StatusCode}");
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
        var root = doc.RootElement;
        var endpoints = new OidcEndpoints(
            AuthRequest.Str(root, "issuer") ?? issuer,
            AuthRequest.Str(root, "authorization_endpoint") ?? throw new AuthException(500, "unexpected_failure", "OpenID configuration has no authorization_endpoint"),
            AuthRequest.Str(root, "token_endpoint") ?? throw new AuthException(500, "unexpected_failure", "OpenID configuration has no token_endpoint"),
            AuthRequest.Str(root, "userinfo_endpoint"), AuthRequest.Str(root, "jwks_uri"));
        _discovery[issuer] = endpoints;
        return endpoints;
    }

    public Task<ProviderTokens> ExchangeCodeAsync(OidcEndpoints endpoints, OAuthProviderOptions provider, string code, string redirectUri, CancellationToken ct) =>
        ExchangeCodeAsync(endpoints.TokenEndpoint, provider, code, redirectUri, ct);

    /// <summary>The authorization-code grant at a token URL; answers in JSON or (GitHub without Accept) form encoding.</summary>
    public async Task<ProviderTokens> ExchangeCodeAsync(string tokenUrl, OAuthProviderOptions provider, string code, string redirectUri, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, tokenUrl)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "authorization_code",
                ["code"] = code,
                ["redirect_uri"] = redirectUri,
                ["client_id"] = provider.ClientId,
                ["client_secret"] = provider.Secret,
            }),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await _http.SendAsync(request, ct).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw new AuthException(500, "unexpected_failure", "Error exchanging code for access token: " + text) { OAuthError = "server_error" };
        Dictionary<string, string?> fields;
        if (text.TrimStart().StartsWith('{'))
        {
            using var doc = JsonDocument.Parse(text);
            fields = doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText(), StringComparer.Ordinal);
        }
        else
        {
            fields = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(text).ToDictionary(p => p.Key, p => (string?)p.Value.ToString(), StringComparer.Ordinal);
        }
        if (!fields.TryGetValue("access_token", out var access) || string.IsNullOrEmpty(access))
        {
            var reason = fields.TryGetValue("error_description", out var d) && d is { Length: > 0 } ? d : fields.TryGetValue("error", out var e) ? e : null;
            throw new AuthException(500, "unexpected_failure", "Error exchanging code for access token: " + (reason ?? "provider returned no access_token")) { OAuthError = "server_error" };
        }
        return new ProviderTokens(access, fields.GetValueOrDefault("refresh_token"), fields.GetValueOrDefault("id_token"));
    }

    /// <summary>The provider's claims about the user (userinfo endpoint, else the id_token's payload).</summary>
    public async Task<JsonElement> UserInfoAsync(OidcEndpoints endpoints, ProviderTokens tokens, CancellationToken ct)
    {
        if (endpoints.UserinfoEndpoint is { } url)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            using var response = await _http.SendAsync(request, ct).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
                return doc.RootElement.Clone();
            }
        }
        if (tokens.IdToken is { } idToken && idToken.Split('.') is [_, var payload, _])
        {
            using var doc = JsonDocument.Parse(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.DecodeBytes(payload));
            return doc.RootElement.Clone();
        }
        throw new AuthException(500, "unexpected_failure", "Error getting user profile from external provider") { OAuthError = "server_error" };
    }

    /// <summary>
    /// Validates a provider's ID token: signature against the provider's JWKS, issuer, audience (the client id) and
    /// lifetime. Returns its claims.
    /// </summary>
    public async Task<JsonElement> ValidateIdTokenAsync(OidcEndpoints endpoints, OAuthProviderOptions provider, string idToken, CancellationToken ct)
    {
        if (endpoints.JwksUri is null) throw AuthException.OAuth("invalid_request", "Provider publishes no JWKS");
        var keys = await _http.GetStringAsync(endpoints.JwksUri, ct).ConfigureAwait(false);
        var parameters = new Microsoft.IdentityModel.Tokens.TokenValidationParameters
        {
            IssuerSigningKeys = new Microsoft.IdentityModel.Tokens.JsonWebKeySet(keys).GetSigningKeys(),
            ValidIssuer = endpoints.Issuer,
            ValidAudiences = (provider.ClientId + "," + provider.AdditionalClientIds).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            ValidateLifetime = true,
            ClockSkew = TimeSpan.FromSeconds(30),
        };
        var result = await new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().ValidateTokenAsync(idToken, parameters).ConfigureAwait(false);
        if (!result.IsValid) throw AuthException.OAuth("invalid_request", "Bad ID token: " + (result.Exception?.Message.Split('.')[0] ?? "invalid"));
        var jwt = (Microsoft.IdentityModel.JsonWebTokens.JsonWebToken)result.SecurityToken;
        using var doc = JsonDocument.Parse(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.DecodeBytes(jwt.EncodedPayload));
        return doc.RootElement.Clone();
    }

    public void Dispose() => _http.Dispose();
}
