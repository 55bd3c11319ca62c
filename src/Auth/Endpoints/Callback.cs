using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;
using NpgsqlTypes;
using Supacs.Auth.Http;
using Supacs.Auth.Sessions;
using Supacs.Auth.Users;

namespace Supacs.Auth.Endpoints;

/// <summary>
/// GET|POST /callback?code&amp;state from the provider: exchanges the code, reads the profile, signs the user in (existing
/// identity, else linked by verified email, else a new user) and redirects to redirect_to with ?code= (PKCE) or the
/// session in the fragment (implicit). Failures redirect with error, error_code and error_description.
/// </summary>
internal static class Callback
{
    public static void Map(IEndpointRouteBuilder group)
    {
        group.MapAuth("GET", "/callback", HandleAsync);
        group.MapAuth("POST", "/callback", HandleAsync);
    }

    private static async Task HandleAsync(AuthRequest req)
    {
        var form = req.Http.Request.HasFormContentType ? await req.Http.Request.ReadFormAsync(req.Aborted).ConfigureAwait(false) : null;
        string? Param(string n) => req.Query(n) ?? form?[n].ToString();
        var state = Param("state");
        if (!Guid.TryParse(state, out var flowId)) throw AuthException.OAuth("invalid_request", "OAuth state parameter missing");

        await using var conn = await req.Db.OpenConnectionAsync(req.Aborted).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(req.Aborted).ConfigureAwait(false);
        string providerName, redirectTo, authCode;
        bool pkce;
        DateTime created;
        Guid? linkingTarget;
        await using (var cmd = new NpgsqlCommand(
            "SELECT provider_type, coalesce(referrer, ''), auth_code, code_challenge IS NOT NULL, created_at, linking_target_id FROM auth.flow_state WHERE id = $1 AND user_id IS NULL FOR UPDATE", conn, tx))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = flowId });
            await using var r = await cmd.ExecuteReaderAsync(req.Aborted).ConfigureAwait(false);
            if (!await r.ReadAsync(req.Aborted).ConfigureAwait(false))
                throw new AuthException(400, "bad_oauth_state", "OAuth callback with invalid state") { OAuthError = "invalid_request" };
            providerName = r.GetString(0);
            redirectTo = r.GetString(1).Length > 0 ? r.GetString(1) : req.Options.SiteUrl;
            authCode = r.GetString(2);
            pkce = r.GetBoolean(3);
            created = r.GetDateTime(4);
            linkingTarget = r.IsDBNull(5) ? null : r.GetGuid(5);
        }

        string Fail(string error, string code, string description)
        {
            var p = $"error={error}&error_code={code}&error_description={Uri.EscapeDataString(description).Replace("%20", "+", StringComparison.Ordinal)}";
            return (pkce ? redirectTo + (redirectTo.Contains('?', StringComparison.Ordinal) ? "&" : "?") + p : redirectTo) + "#" + p;
        }

        if (Param("error") is { Length: > 0 } providerError)
        {
            Redirect(req, Fail(providerError, "bad_oauth_callback", Param("error_description") ?? providerError));
            return;
        }
        if (DateTime.UtcNow - created > req.Options.FlowStateExpiry)
        {
            Redirect(req, Fail("invalid_request", "flow_state_expired", "Flow state expired"));
            return;
        }
        var code = Param("code");
        if (string.IsNullOrEmpty(code) || !req.Options.External.TryGetValue(providerName, out var provider) || !provider.Enabled)
        {
            Redirect(req, Fail("invalid_request", "bad_oauth_callback", "OAuth callback with missing authorization code"));
            return;
        }

        var callbackUri = provider.RedirectUri.Length > 0 ? provider.RedirectUri : req.Options.ApiExternalUrl + "/callback";
        OAuth.ProviderTokens tokens;
        JsonObject data;
        string? sub;
        try
        {
            if (OAuth.OAuth2Provider.For(provider) is { } oauth2)
            {
                tokens = await req.Runtime.Oidc.ExchangeCodeAsync(oauth2.TokenUrl, provider, code, callbackUri, req.Aborted).ConfigureAwait(false);
                var providerUser = await oauth2.GetUserAsync(req.Runtime.Oidc.Http, provider, tokens.AccessToken, req.Aborted).ConfigureAwait(false);
                sub = providerUser.Subject;
                data = providerUser.IdentityData();
            }
            else
            {
                var endpoints = await req.Runtime.Oidc.DiscoverAsync(provider, req.Aborted).ConfigureAwait(false);
                tokens = await req.Runtime.Oidc.ExchangeCodeAsync(endpoints, provider, code, callbackUri, req.Aborted).ConfigureAwait(false);
                var profile = await req.Runtime.Oidc.UserInfoAsync(endpoints, tokens, req.Aborted).ConfigureAwait(false);
                sub = AuthRequest.Str(profile, "sub") ?? (profile.TryGetProperty("id", out var idEl) ? idEl.ToString() : null);
                data = sub is null ? [] : IdentityData(endpoints.Issuer, sub, profile);
                if (providerName == "apple" && Param("user") is { Length: > 0 } appleUser) AddAppleName(data, appleUser);
            }
        }
        catch (AuthException e)
        {
            // GoTrue redirects callback failures (code exchange, profile) to the app with the error, as for provider errors.
            Redirect(req, Fail(e.OAuthError ?? "server_error", e.Code, e.Message));
            return;
        }
        catch (HttpRequestException e)
        {
            Redirect(req, Fail("server_error", "unexpected_failure", "Error reaching the external provider: " + e.Message));
            return;
        }
        if (string.IsNullOrEmpty(sub))
        {
            Redirect(req, Fail("server_error", "unexpected_failure", "Error getting user profile from external provider"));
            return;
        }

        UserRecord user;
        try
        {
            user = linkingTarget is { } target
                ? await LinkAsync(req, conn, tx, target, providerName, sub, data).ConfigureAwait(false)
                : await SignInOrSignUpAsync(req, conn, tx, providerName, sub, data).ConfigureAwait(false);
        }
        catch (AuthException e)
        {
            Redirect(req, Fail("access_denied", e.Code, e.Message));
            return;
        }

        if (pkce)
        {
            await using var cmd = new NpgsqlCommand(
                "UPDATE auth.flow_state SET user_id = $2, provider_access_token = $3, provider_refresh_token = $4, auth_code_issued_at = now(), updated_at = now() WHERE id = $1", conn, tx);
            cmd.Parameters.Add(new NpgsqlParameter { Value = flowId });
            cmd.Parameters.Add(new NpgsqlParameter { Value = user.Id });
            cmd.Parameters.Add(new NpgsqlParameter { Value = tokens.AccessToken });
            cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)tokens.RefreshToken ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            await cmd.ExecuteNonQueryAsync(req.Aborted).ConfigureAwait(false);
            await tx.CommitAsync(req.Aborted).ConfigureAwait(false);
            Redirect(req, redirectTo + (redirectTo.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "code=" + authCode);
            return;
        }

        await using (var del = new NpgsqlCommand("DELETE FROM auth.flow_state WHERE id = $1", conn, tx))
        {
            del.Parameters.Add(new NpgsqlParameter { Value = flowId });
            await del.ExecuteNonQueryAsync(req.Aborted).ConfigureAwait(false);
        }
        var session = await SessionService.SignInAsync(req, conn, tx, user, "oauth").ConfigureAwait(false);
        await tx.CommitAsync(req.Aborted).ConfigureAwait(false);
        var fragment = $"access_token={session.AccessToken}&expires_at={session.ExpiresAt}&expires_in={session.ExpiresIn}" +
                       $"&provider_token={Uri.EscapeDataString(tokens.AccessToken)}" +
                       (tokens.RefreshToken is { } prt ? $"&provider_refresh_token={Uri.EscapeDataString(prt)}" : "") +
                       $"&refresh_token={session.RefreshToken}&token_type=bearer";
        Redirect(req, redirectTo + "#" + fragment);
    }

    /// <summary>Apple sends the name only on the first sign-in, as the <c>user</c> form field: {"name":{"firstName","lastName"},"email"}.</summary>
    private static void AddAppleName(JsonObject data, string userJson)
    {
        try
        {
            using var doc = JsonDocument.Parse(userJson);
            if (doc.RootElement.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.Object)
            {
                var full = $"{AuthRequest.Str(name, "firstName")} {AuthRequest.Str(name, "lastName")}".Trim();
                if (full.Length > 0)
                {
                    data["name"] = full;
                    data["full_name"] = full;
                }
            }
        }
        catch (JsonException)
        {
            // A malformed user field only loses the name.
        }
    }

    /// <summary>GoTrue's identity_data for an OAuth identity: the standard claims plus its aliases.</summary>
    public static JsonObject IdentityData(string issuer, string sub, JsonElement profile)
    {
        var data = new JsonObject { ["iss"] = issuer, ["sub"] = sub, ["provider_id"] = sub };
        foreach (var key in new[] { "name", "email", "picture", "preferred_username", "nickname", "given_name", "family_name", "phone" })
            if (AuthRequest.Str(profile, key) is { } v) data[key] = v;
        if (AuthRequest.Str(profile, "name") is { } name) data["full_name"] = name;
        if (AuthRequest.Str(profile, "picture") is { } pic) data["avatar_url"] = pic;
        if (data["email"] is not null) data["email"] = data["email"]!.GetValue<string>().ToLowerInvariant();
        data["email_verified"] = profile.TryGetProperty("email_verified", out var ev) && (ev.ValueKind == JsonValueKind.True || ev.ValueKind == JsonValueKind.String && ev.GetString() == "true");
        data["phone_verified"] = false;
        return data;
    }

    public static async Task<UserRecord> SignInOrSignUpAsync(AuthRequest req, NpgsqlConnection conn, NpgsqlTransaction tx, string provider, string sub, JsonObject data)
    {
        var o = req.Options;
        var email = data["email"]?.GetValue<string>();
        var verified = data["email_verified"]?.GetValue<bool>() == true;
        Guid? userId = null;
        await using (var cmd = new NpgsqlCommand("SELECT user_id FROM auth.identities WHERE provider_id = $1 AND provider = $2", conn, tx))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = sub });
            cmd.Parameters.Add(new NpgsqlParameter { Value = provider });
            if (await cmd.ExecuteScalarAsync(req.Aborted).ConfigureAwait(false) is Guid g) userId = g;
        }
        UserRecord? user;
        if (userId is { } existingId)
        {
            user = await UserStore.FindByIdAsync(conn, existingId, req.Aborted, tx).ConfigureAwait(false)
                ?? throw AuthException.NotFound("user_not_found", "User not found");
            var identity = user.Identities.First(i => i.Provider == provider && i.ProviderId == sub);
            identity.IdentityData = data;
            await UserStore.UpdateIdentityDataAsync(conn, tx, identity, req.Aborted).ConfigureAwait(false);
        }
        else
        {
            user = verified && email is not null ? await UserStore.FindByEmailAsync(conn, email, o.JwtAud, req.Aborted, tx).ConfigureAwait(false) : null;
            if (user is null)
            {
                if (o.DisableSignup) throw AuthException.Unprocessable("signup_disabled", "Signups not allowed for this instance");
                user = UserFactory.New(o, email, null, null, null, provider);
                foreach (var (k, v) in data) user.UserMetadata[k] = v?.DeepClone();
                if (verified) user.EmailConfirmedAt = DateTime.UtcNow;
                await UserFactory.InsertWithIdentityAsync(req, conn, tx, user, null).ConfigureAwait(false);
            }
            else
            {
                var providers = user.AppMetadata["providers"] as JsonArray ?? [];
                if (!providers.Any(p => p?.GetValue<string>() == provider)) providers.Add(provider);
                user.AppMetadata["providers"] = providers.DeepClone();
            }
            await UserStore.InsertIdentityAsync(conn, tx, user.Id, provider, sub, data, req.Aborted).ConfigureAwait(false);
        }
        if (user.IsBanned) throw AuthException.Forbidden("user_banned", "User is banned");
        if (verified) user.EmailConfirmedAt ??= DateTime.UtcNow;
        await UserStore.UpdateAsync(conn, tx, user, req.Aborted).ConfigureAwait(false);
        await UserStore.LoadRelatedAsync(conn, user, req.Aborted, tx).ConfigureAwait(false);
        return user;
    }

    /// <summary>Manual linking: the provider identity joins the user who started the flow, unless another user owns it.</summary>
    private static async Task<UserRecord> LinkAsync(AuthRequest req, NpgsqlConnection conn, NpgsqlTransaction tx, Guid target, string provider, string sub, JsonObject data)
    {
        await using (var cmd = new NpgsqlCommand("SELECT user_id FROM auth.identities WHERE provider_id = $1 AND provider = $2", conn, tx))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = sub });
            cmd.Parameters.Add(new NpgsqlParameter { Value = provider });
            if (await cmd.ExecuteScalarAsync(req.Aborted).ConfigureAwait(false) is Guid owner && owner != target)
                throw AuthException.Unprocessable("identity_already_exists", "Identity is already linked to another user");
        }
        var user = await UserStore.FindByIdAsync(conn, target, req.Aborted, tx).ConfigureAwait(false)
            ?? throw AuthException.NotFound("user_not_found", "User not found");
        if (!user.Identities.Any(i => i.Provider == provider && i.ProviderId == sub))
        {
            await UserStore.InsertIdentityAsync(conn, tx, user.Id, provider, sub, data, req.Aborted).ConfigureAwait(false);
            await Audit.AuditLog.WriteAsync(req, conn, tx, user, "identity_linked", "user", new JsonObject
            {
                ["provider"] = provider, ["provider_id"] = sub,
            }).ConfigureAwait(false);
        }
        var providers = user.AppMetadata["providers"] as JsonArray ?? [];
        if (!providers.Any(p => p?.GetValue<string>() == provider)) providers.Add(provider);
        user.AppMetadata["providers"] = providers.DeepClone();
        if (user.IsAnonymous && data["email"] is not null)
        {
            user.IsAnonymous = false;
            user.Email ??= data["email"]!.GetValue<string>();
        }
        await UserStore.UpdateAsync(conn, tx, user, req.Aborted).ConfigureAwait(false);
        await UserStore.LoadRelatedAsync(conn, user, req.Aborted, tx).ConfigureAwait(false);
        return user;
    }

    private static void Redirect(AuthRequest req, string location)
    {
        req.Http.Response.StatusCode = StatusCodes.Status302Found;
        req.Http.Response.Headers.Location = location;
    }
}
