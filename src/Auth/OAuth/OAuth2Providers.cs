using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Supacs.Auth.Config;
using Supacs.Auth.Http;

namespace Supacs.Auth.OAuth;

/// <summary>An email the provider reports for the user.</summary>
internal sealed record ProviderEmail(string Email, bool Verified, bool Primary);

/// <summary>What a provider says about the user: GoTrue's claims (identity_data) and the emails.</summary>
internal sealed record ProviderUser(JsonObject Claims, IReadOnlyList<ProviderEmail> Emails)
{
    public string? Subject => Claims["sub"]?.GetValue<string>();

    /// <summary>
    /// identity_data as GoTrue stores it: the claims, plus the candidate (primary) email lower-cased and whether it is
    /// verified; <c>email_verified</c> and <c>phone_verified</c> are always present.
    /// </summary>
    public JsonObject IdentityData()
    {
        var data = (JsonObject)Claims.DeepClone();
        var candidate = Emails.FirstOrDefault(e => e.Primary) ?? Emails.FirstOrDefault(e => e.Verified);
        if (candidate is not null)
        {
            data["email"] = candidate.Email.ToLowerInvariant();
            data["email_verified"] = candidate.Verified;
        }
        else
        {
            data["email_verified"] = false;
        }
        data["phone_verified"] = false;
        return data;
    }
}

/// <summary>
/// A plain OAuth 2.0 provider (no OpenID Connect): fixed authorize and token URLs and user-info call(s) mapped to
/// GoTrue's claims. Every URL derives from <c>url</c> of the provider's config when set (as GoTrue's <c>chooseHost</c>:
/// GitHub Enterprise, or a local fake provider in tests), else from the provider's public hosts.
/// </summary>
internal abstract class OAuth2Provider
{
    public abstract string AuthorizeUrl { get; }
    public abstract string TokenUrl { get; }

    /// <summary>Scopes always asked for; the request's <c>scopes</c> are added.</summary>
    public abstract IReadOnlyList<string> DefaultScopes { get; }

    /// <summary>Extra query parameters of the authorize URL.</summary>
    public virtual IReadOnlyDictionary<string, string> AuthorizeParameters { get; } = new Dictionary<string, string>();

    public abstract Task<ProviderUser> GetUserAsync(HttpClient http, OAuthProviderOptions options, string accessToken, CancellationToken ct);

    /// <summary>The OAuth2 profile of a provider name, or null for OpenID Connect providers (discovery).</summary>
    public static OAuth2Provider? For(OAuthProviderOptions options) => options.Name switch
    {
        "github" => new GitHub(options.Url),
        "facebook" => new Facebook(options.Url),
        "discord" => new Discord(options.Url),
        _ => null,
    };

    /// <summary>GoTrue's chooseHost: the configured base without a trailing slash, else https://default.</summary>
    protected static string Host(string configured, string defaultHost) =>
        configured.Length == 0 ? "https://" + defaultHost : configured.TrimEnd('/');

    protected static async Task<JsonElement> GetJsonAsync(HttpClient http, string url, string accessToken, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("supacs-auth", "1"));
        using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw new AuthException(500, "unexpected_failure", $"Error getting user profile from external provider: HTTP {(int)response.StatusCode} {text}") { OAuthError = "server_error" };
        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new AuthException(500, "unexpected_failure", "Error getting user profile from external provider: " + e.Message) { OAuthError = "server_error" };
        }
    }

    protected static string? Str(JsonElement e, string name) => AuthRequest.Str(e, name) is { Length: > 0 } s ? s : null;

    /// <summary>Adds the non-empty values, like GoTrue's omitempty claims.</summary>
    protected static JsonObject Claims(params (string Key, string? Value)[] values)
    {
        var o = new JsonObject();
        foreach (var (k, v) in values)
            if (!string.IsNullOrEmpty(v)) o[k] = v;
        return o;
    }

    /// <summary>GitHub: /login/oauth/* on github.com, the REST API on api.github.com (or URL/api/v3 for Enterprise).</summary>
    private sealed class GitHub(string url) : OAuth2Provider
    {
        private readonly string _auth = Host(url, "github.com");
        private string Api => url.Length == 0 ? "https://api.github.com" : Host(url, "") + "/api/v3";
        public override string AuthorizeUrl => _auth + "/login/oauth/authorize";
        public override string TokenUrl => _auth + "/login/oauth/access_token";
        public override IReadOnlyList<string> DefaultScopes { get; } = ["user:email"];

        public override async Task<ProviderUser> GetUserAsync(HttpClient http, OAuthProviderOptions options, string accessToken, CancellationToken ct)
        {
            var u = await GetJsonAsync(http, Api + "/user", accessToken, ct).ConfigureAwait(false);
            var id = u.TryGetProperty("id", out var idEl) && idEl.ValueKind == JsonValueKind.Number ? idEl.GetInt64().ToString(CultureInfo.InvariantCulture) : Str(u, "id");
            var claims = Claims(("iss", Api), ("sub", id), ("name", Str(u, "name")), ("preferred_username", Str(u, "login")),
                ("avatar_url", Str(u, "avatar_url")), ("full_name", Str(u, "name")), ("provider_id", id), ("user_name", Str(u, "login")));
            var list = await GetJsonAsync(http, Api + "/user/emails", accessToken, ct).ConfigureAwait(false);
            var emails = new List<ProviderEmail>();
            if (list.ValueKind == JsonValueKind.Array)
                foreach (var e in list.EnumerateArray())
                    if (Str(e, "email") is { } address)
                        emails.Add(new ProviderEmail(address, Bool(e, "verified"), Bool(e, "primary")));
            return new ProviderUser(claims, emails);
        }
    }

    /// <summary>Facebook: dialog on www.facebook.com, token and Graph API on graph.facebook.com, with appsecret_proof.</summary>
    private sealed class Facebook(string url) : OAuth2Provider
    {
        private string ProfileUrl => Host(url, "graph.facebook.com") + "/me?fields=email,first_name,last_name,name,picture";
        public override string AuthorizeUrl => Host(url, "www.facebook.com") + "/dialog/oauth";
        public override string TokenUrl => Host(url, "graph.facebook.com") + "/oauth/access_token";
        public override IReadOnlyList<string> DefaultScopes { get; } = ["email"];

        public override async Task<ProviderUser> GetUserAsync(HttpClient http, OAuthProviderOptions options, string accessToken, CancellationToken ct)
        {
            var proof = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(options.Secret), Encoding.UTF8.GetBytes(accessToken)));
            var u = await GetJsonAsync(http, ProfileUrl + "&appsecret_proof=" + proof, accessToken, ct).ConfigureAwait(false);
            var fullName = $"{Str(u, "first_name")} {Str(u, "last_name")}".Trim();
            string? picture = null;
            if (u.TryGetProperty("picture", out var pic) && pic.ValueKind == JsonValueKind.Object && pic.TryGetProperty("data", out var data))
                picture = Str(data, "url");
            var claims = Claims(("iss", ProfileUrl), ("sub", Str(u, "id")), ("name", fullName), ("nickname", Str(u, "name")), ("picture", picture),
                ("slug", Str(u, "name")), ("avatar_url", picture), ("full_name", fullName), ("provider_id", Str(u, "id")));
            // Facebook only returns confirmed emails.
            var emails = Str(u, "email") is { } email ? new[] { new ProviderEmail(email, true, true) } : [];
            return new ProviderUser(claims, emails);
        }
    }

    /// <summary>Discord: everything under discord.com/api.</summary>
    private sealed class Discord(string url) : OAuth2Provider
    {
        private string Api => Host(url, "discord.com") + "/api";
        public override string AuthorizeUrl => Api + "/oauth2/authorize";
        public override string TokenUrl => Api + "/oauth2/token";
        public override IReadOnlyList<string> DefaultScopes { get; } = ["email", "identify"];

        public override async Task<ProviderUser> GetUserAsync(HttpClient http, OAuthProviderOptions options, string accessToken, CancellationToken ct)
        {
            var u = await GetJsonAsync(http, Api + "/users/@me", accessToken, ct).ConfigureAwait(false);
            var id = Str(u, "id");
            var avatar = Str(u, "avatar");
            var discriminator = Str(u, "discriminator") ?? "0";
            string avatarUrl;
            if (avatar is null)
            {
                if (!int.TryParse(discriminator, NumberStyles.Integer, CultureInfo.InvariantCulture, out var d))
                    throw new AuthException(500, "unexpected_failure", "Error getting user profile from external provider: bad discriminator") { OAuthError = "server_error" };
                avatarUrl = $"https://cdn.discordapp.com/embed/avatars/{d % 5}.png";
            }
            else
            {
                avatarUrl = $"https://cdn.discordapp.com/avatars/{id}/{avatar}.{(avatar.StartsWith("a_", StringComparison.Ordinal) ? "gif" : "png")}";
            }
            var claims = Claims(("iss", Api), ("sub", id), ("name", $"{Str(u, "username")}#{discriminator}"), ("picture", avatarUrl),
                ("avatar_url", avatarUrl), ("full_name", Str(u, "username")), ("provider_id", id));
            claims["custom_claims"] = new JsonObject { ["global_name"] = Str(u, "global_name") ?? "" };
            var emails = Str(u, "email") is { } email ? new[] { new ProviderEmail(email, Bool(u, "verified"), true) } : [];
            return new ProviderUser(claims, emails);
        }
    }

    private static bool Bool(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;
}
