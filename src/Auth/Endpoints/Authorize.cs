using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;
using NpgsqlTypes;
using Supacs.Auth.Http;

namespace Supacs.Auth.Endpoints;

/// <summary>
/// GET /authorize?provider=&amp;redirect_to=&amp;scopes=&amp;code_challenge=&amp;code_challenge_method= → 302 to the provider.
/// A flow_state row keeps redirect_to and the PKCE challenge; its id is the OAuth state.
/// </summary>
internal static class Authorize
{
    public static void Map(IEndpointRouteBuilder group) => group.MapAuth("GET", "/authorize", async req =>
    {
        var url = await ProviderUrlAsync(req, req.Query("provider") ?? "", linkingTarget: null).ConfigureAwait(false);
        req.Http.Response.StatusCode = StatusCodes.Status302Found;
        req.Http.Response.Headers.Location = url;
    });

    /// <summary>Creates the flow_state (its id is the OAuth state) and returns the provider's authorization URL.</summary>
    public static async Task<string> ProviderUrlAsync(AuthRequest req, string name, Guid? linkingTarget)
    {
        if (!req.Options.External.TryGetValue(name, out var provider) || !provider.Enabled)
            throw AuthException.Validation($"Unsupported provider: Provider {name} could not be found");
        var oauth2 = OAuth.OAuth2Provider.For(provider);
        var authorizeUrl = oauth2?.AuthorizeUrl ?? (await req.Runtime.Oidc.DiscoverAsync(provider, req.Aborted).ConfigureAwait(false)).AuthorizationEndpoint;
        var redirectTo = Redirects.Resolve(req, req.Query("redirect_to"));
        var challenge = req.Query("code_challenge");
        var method = req.Query("code_challenge_method")?.ToLowerInvariant();
        if (!string.IsNullOrEmpty(challenge) && method is not ("s256" or "plain"))
            throw AuthException.Validation("code challenge method not supported");

        var state = Guid.NewGuid();
        await using (var conn = await req.Db.OpenConnectionAsync(req.Aborted).ConfigureAwait(false))
        await using (var cmd = new NpgsqlCommand(
            "INSERT INTO auth.flow_state (id, auth_code, code_challenge_method, code_challenge, provider_type, authentication_method, referrer, linking_target_id, created_at, updated_at) " +
            "VALUES ($1, $2, $3::auth.code_challenge_method, $4, $5, 'oauth', $6, $7, now(), now())", conn))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = state });
            cmd.Parameters.Add(new NpgsqlParameter { Value = Guid.NewGuid().ToString() });
            cmd.Parameters.Add(new NpgsqlParameter { Value = string.IsNullOrEmpty(challenge) ? DBNull.Value : method!, NpgsqlDbType = NpgsqlDbType.Text });
            cmd.Parameters.Add(new NpgsqlParameter { Value = string.IsNullOrEmpty(challenge) ? DBNull.Value : challenge, NpgsqlDbType = NpgsqlDbType.Text });
            cmd.Parameters.Add(new NpgsqlParameter { Value = name });
            cmd.Parameters.Add(new NpgsqlParameter { Value = redirectTo });
            cmd.Parameters.Add(new NpgsqlParameter { Value = linkingTarget is { } t ? t : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
            await cmd.ExecuteNonQueryAsync(req.Aborted).ConfigureAwait(false);
        }

        var scopes = oauth2 is null ? new List<string> { "openid", "email", "profile" } : [.. oauth2.DefaultScopes];
        if (oauth2?.AcceptsRequestedScopes != false)
            foreach (var s in (req.Query("scopes") ?? "").Split([' ', ','], StringSplitOptions.RemoveEmptyEntries))
                if (!scopes.Contains(s)) scopes.Add(s);
        var query = new Dictionary<string, string?>
        {
            ["client_id"] = provider.ClientId,
            ["redirect_uri"] = provider.RedirectUri.Length > 0 ? provider.RedirectUri : req.Options.ApiExternalUrl + "/callback",
            ["response_type"] = "code",
            ["scope"] = string.Join(' ', scopes),
            ["state"] = state.ToString(),
        };
        if (name == "apple" && scopes.Any(s => s is "email" or "name")) query["response_mode"] = "form_post"; // Apple posts back when it shares name/email
        return Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(authorizeUrl, query);
    }
}
