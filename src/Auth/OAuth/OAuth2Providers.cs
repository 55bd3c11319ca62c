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

    /// <summary>False when the provider asks only for its fixed scopes (GoTrue's Bitbucket ignores the request's).</summary>
    public virtual bool AcceptsRequestedScopes => true;

    public abstract Task<ProviderUser> GetUserAsync(HttpClient http, OAuthProviderOptions options, string accessToken, CancellationToken ct);

    /// <summary>The OAuth2 profile of a provider name, or null for OpenID Connect providers (discovery).</summary>
    public static OAuth2Provider? For(OAuthProviderOptions options) => options.Name switch
    {
        "github" => new GitHub(options.Url),
        "facebook" => new Facebook(options.Url),
        "discord" => new Discord(options.Url),
        "gitlab" => new GitLab(options.Url),
        "twitch" => new Twitch(options.Url),
        "spotify" => new Spotify(options.Url),
        "bitbucket" => new Bitbucket(options.Url),
        _ => null,
    };

    /// <summary>GoTrue's chooseHost: the configured base without a trailing slash, else https://default.</summary>
    protected static string Host(string configured, string defaultHost) =>
        configured.Length == 0 ? "https://" + defaultHost : configured.TrimEnd('/');

    protected static async Task<JsonElement> GetJsonAsync(HttpClient http, string url, string accessToken, CancellationToken ct, string? clientIdHeader = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (clientIdHeader is not null) request.Headers.Add("Client-Id", clientIdHeader);
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

    /// <summary>GitLab (GoTrue uses its OAuth2 API, not OIDC): /oauth/* and /api/v4/user (+ /user/emails, unverified).</summary>
    private sealed class GitLab(string url) : OAuth2Provider
    {
        private readonly string _host = Host(url, "gitlab.com");
        public override string AuthorizeUrl => _host + "/oauth/authorize";
        public override string TokenUrl => _host + "/oauth/token";
        public override IReadOnlyList<string> DefaultScopes { get; } = ["read_user"];

        public override async Task<ProviderUser> GetUserAsync(HttpClient http, OAuthProviderOptions options, string accessToken, CancellationToken ct)
        {
            var u = await GetJsonAsync(http, _host + "/api/v4/user", accessToken, ct).ConfigureAwait(false);
            var list = await GetJsonAsync(http, _host + "/api/v4/user/emails", accessToken, ct).ConfigureAwait(false);
            var emails = new List<ProviderEmail>();
            if (list.ValueKind == JsonValueKind.Array)
                foreach (var e in list.EnumerateArray())
                    if (Str(e, "email") is { } extra) emails.Add(new ProviderEmail(extra, false, false)); // GitLab gives no confirm status here
            if (Str(u, "email") is { } primary) emails.Add(new ProviderEmail(primary, Str(u, "confirmed_at") is not null, true));
            var id = Id(u);
            var claims = Claims(("iss", _host), ("sub", id), ("name", Str(u, "name")), ("picture", Str(u, "avatar_url")),
                ("avatar_url", Str(u, "avatar_url")), ("full_name", Str(u, "name")), ("provider_id", id));
            return new ProviderUser(claims, emails);
        }
    }

    /// <summary>Twitch: id.twitch.tv/oauth2/*, Helix /helix/users with the Client-Id header; the email counts as verified.</summary>
    private sealed class Twitch(string url) : OAuth2Provider
    {
        private readonly string _api = Host(url, "api.twitch.tv");
        private readonly string _auth = Host(url, "id.twitch.tv");
        public override string AuthorizeUrl => _auth + "/oauth2/authorize";
        public override string TokenUrl => _auth + "/oauth2/token";
        public override IReadOnlyList<string> DefaultScopes { get; } = ["user:read:email"];

        public override async Task<ProviderUser> GetUserAsync(HttpClient http, OAuthProviderOptions options, string accessToken, CancellationToken ct)
        {
            var body = await GetJsonAsync(http, _api + "/helix/users", accessToken, ct, options.ClientId).ConfigureAwait(false);
            if (!body.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array || data.GetArrayLength() == 0)
                throw new AuthException(500, "unexpected_failure", "Error getting user profile from external provider: unable to find user with twitch provider") { OAuthError = "server_error" };
            var u = data[0];
            var claims = Claims(("iss", _api), ("sub", Str(u, "id")), ("picture", Str(u, "profile_image_url")), ("name", Str(u, "login")),
                ("nickname", Str(u, "display_name")), ("slug", Str(u, "display_name")), ("avatar_url", Str(u, "profile_image_url")),
                ("full_name", Str(u, "login")), ("provider_id", Str(u, "id")));
            claims["custom_claims"] = new JsonObject
            {
                ["broadcaster_type"] = Str(u, "broadcaster_type") ?? "",
                ["description"] = Str(u, "description") ?? "",
                ["type"] = Str(u, "type") ?? "",
                ["offline_image_url"] = Str(u, "offline_image_url") ?? "",
                ["view_count"] = u.TryGetProperty("view_count", out var vc) && vc.TryGetInt64(out var n) ? n : 0,
            };
            var emails = Str(u, "email") is { } email ? new[] { new ProviderEmail(email, true, true) } : [];
            return new ProviderUser(claims, emails);
        }
    }

    /// <summary>Spotify: accounts.spotify.com /authorize and /api/token, api.spotify.com/v1/me; the email is not verified.</summary>
    private sealed class Spotify(string url) : OAuth2Provider
    {
        private readonly string _api = Host(url, "api.spotify.com/v1");
        private readonly string _auth = Host(url, "accounts.spotify.com");
        public override string AuthorizeUrl => _auth + "/authorize";
        public override string TokenUrl => _auth + "/api/token";
        public override IReadOnlyList<string> DefaultScopes { get; } = ["user-read-email"];

        public override async Task<ProviderUser> GetUserAsync(HttpClient http, OAuthProviderOptions options, string accessToken, CancellationToken ct)
        {
            var u = await GetJsonAsync(http, _api + "/me", accessToken, ct).ConfigureAwait(false);
            string? avatar = null;
            if (u.TryGetProperty("images", out var images) && images.ValueKind == JsonValueKind.Array && images.GetArrayLength() > 0)
                avatar = Str(images[0], "url");
            var claims = Claims(("iss", _api), ("sub", Str(u, "id")), ("name", Str(u, "display_name")), ("picture", avatar),
                ("avatar_url", avatar), ("full_name", Str(u, "display_name")), ("provider_id", Str(u, "id")));
            var emails = Str(u, "email") is { } email ? new[] { new ProviderEmail(email, false, true) } : [];
            return new ProviderUser(claims, emails);
        }
    }

    /// <summary>Bitbucket: bitbucket.org/site/oauth2/*, api.bitbucket.org/2.0/user (+ /user/emails); fixed scopes account, email.</summary>
    private sealed class Bitbucket(string url) : OAuth2Provider
    {
        private readonly string _auth = Host(url, "bitbucket.org");
        private readonly string _api = Host(url, "api.bitbucket.org") + "/2.0";
        public override string AuthorizeUrl => _auth + "/site/oauth2/authorize";
        public override string TokenUrl => _auth + "/site/oauth2/access_token";
        public override IReadOnlyList<string> DefaultScopes { get; } = ["account", "email"];
        public override bool AcceptsRequestedScopes => false;

        public override async Task<ProviderUser> GetUserAsync(HttpClient http, OAuthProviderOptions options, string accessToken, CancellationToken ct)
        {
            var u = await GetJsonAsync(http, _api + "/user", accessToken, ct).ConfigureAwait(false);
            var list = await GetJsonAsync(http, _api + "/user/emails", accessToken, ct).ConfigureAwait(false);
            var emails = new List<ProviderEmail>();
            if (list.TryGetProperty("values", out var values) && values.ValueKind == JsonValueKind.Array)
                foreach (var e in values.EnumerateArray())
                    if (Str(e, "email") is { } address) emails.Add(new ProviderEmail(address, Bool(e, "is_confirmed"), Bool(e, "is_primary")));
            string? avatar = null;
            if (u.TryGetProperty("avatar", out var av) && av.ValueKind == JsonValueKind.Object) avatar = Str(av, "href");
            var claims = Claims(("iss", _api), ("sub", Str(u, "uuid")), ("name", Str(u, "display_name")), ("picture", avatar),
                ("avatar_url", avatar), ("full_name", Str(u, "display_name")), ("provider_id", Str(u, "uuid")));
            return new ProviderUser(claims, emails);
        }
    }

    private static string? Id(JsonElement u) =>
        u.TryGetProperty("id", out var idEl) && idEl.ValueKind == JsonValueKind.Number ? idEl.GetInt64().ToString(CultureInfo.InvariantCulture) : Str(u, "id");

    private static bool Bool(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;
}
