using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Supacs.Core.Keys;
using Supacs.Core.Projects;
using Supacs.Core.Requests;
using Supacs.Rest.Query;
using Supacs.Rest.Schema;

namespace Supacs.Rest.Http;

/// <summary>
/// What every REST endpoint needs about its request: project, settings, the schema (from
/// Accept-Profile/Content-Profile), the caller's identity (PGRST301 on a bad JWT), Prefer, and the schema cache.
/// </summary>
internal sealed class RestRequest
{
    private RestRequest(HttpContext http, SupacsProject project, RestSettings settings, SchemaCacheState state, SchemaCache cache,
        string schema, RequestIdentity identity, Preferences prefer)
    {
        Http = http;
        Project = project;
        Settings = settings;
        CacheState = state;
        Cache = cache;
        Schema = schema;
        Identity = identity;
        Prefer = prefer;
    }

    public HttpContext Http { get; }
    public SupacsProject Project { get; }
    public RestSettings Settings { get; }
    public SchemaCacheState CacheState { get; }
    public SchemaCache Cache { get; private set; }
    public string Schema { get; }
    public RequestIdentity Identity { get; }
    public Preferences Prefer { get; }

    /// <summary>Phase timings for the Server-Timing header; null unless server-timing-enabled.</summary>
    public ServerTiming? Timing { get; private init; }

    public bool IsRead => HttpMethods.IsGet(Http.Request.Method) || HttpMethods.IsHead(Http.Request.Method);

    public static async Task<RestRequest> CreateAsync(HttpContext http)
    {
        var project = http.GetSupacsProject();
        // The cache first: its (re)load reads the in-database configuration the settings below come from.
        var state = SchemaCacheState.For(project, http);
        var cache = await state.GetAsync(http.RequestAborted).ConfigureAwait(false);
        var settings = RestSettings.For(project);
        var request = http.Request;
        var isRead = HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method);

        var profile = (isRead ? request.Headers["Accept-Profile"] : request.Headers["Content-Profile"]).ToString();
        var schema = settings.DefaultSchema;
        if (profile.Length > 0)
        {
            if (!settings.Schemas.Contains(profile))
                throw new RestException(406, "PGRST106", "The schema must be one of the following: " + string.Join(", ", settings.Schemas), (string?)null);
            schema = profile;
        }

        var timing = settings.ServerTimingEnabled ? ServerTiming.Start(http) : null;
        var identity = await ResolveIdentityAsync(request, project, settings).ConfigureAwait(false);
        timing?.Lap(ServerMetric.Jwt);
        var prefer = Preferences.Parse(request);
        if (prefer.Handling == "strict" && prefer.Invalid.Count > 0)
            throw new RestException(400, "PGRST122", "Invalid preferences given with handling=strict",
                "Invalid preferences: " + string.Join(", ", prefer.Invalid), (string?)null);

        return new RestRequest(http, project, settings, state, cache, schema, identity, prefer) { Timing = timing };
    }

    private static async Task<RequestIdentity> ResolveIdentityAsync(HttpRequest request, SupacsProject project, RestSettings settings)
    {
        var token = RequestIdentityResolver.BearerToken(request) ?? RequestIdentityResolver.ApiKey(request);
        var cache = JwtCache.For(project);
        if (token is not null && cache.Get(token) is { } cached) return cached;
        var result = await RequestIdentityResolver.ResolveAsync(request, project.Keys, settings.AnonRole ?? "").ConfigureAwait(false);
        if (!result.IsValid)
        {
            var message = result.Failure switch
            {
                JwtFailure.Expired => "JWT expired",
                JwtFailure.NotYetValid => "JWT not yet valid",
                JwtFailure.InvalidSignature => "JWSError JWSInvalidSignature",
                _ => "JWSError (CompactDecodeError Invalid number of parts: Expected 3 parts; got " +
                     ((RequestIdentityResolver.BearerToken(request) ?? "").Count(c => c == '.') + 1) + ")",
            };
            throw Unauthorized(message);
        }
        var identity = result.Identity!;
        if (settings.RoleClaimPath is { } rolePath && result.IsValid && identity.Token is not null)
            identity = identity with { Role = rolePath.Find(identity.Claims) ?? settings.AnonRole ?? "" };
        if (settings.JwtAudience is { } aud && identity.Claims.ValueKind == JsonValueKind.Object && identity.Claims.TryGetProperty("aud", out var a))
        {
            var ok = a.ValueKind == JsonValueKind.String ? a.GetString() == aud
                : a.ValueKind == JsonValueKind.Array && a.EnumerateArray().Any(x => x.ValueKind == JsonValueKind.String && x.GetString() == aud);
            if (!ok) throw Unauthorized("JWT not in audience");
        }
        if (IssuedInTheFuture(identity.Claims)) throw Unauthorized("JWT issued at future");
        if (identity.Role.Length == 0) throw AnonymousDisabled(); // no role claim and db-anon-role unset
        identity = WithRoleClaim(identity);
        if (token is not null) cache.Add(token, identity);
        return identity;
    }

    /// <summary>PostgREST refuses a token whose <c>iat</c> lies more than its 30 s clock skew ahead (Core checks only exp/nbf).</summary>
    private static bool IssuedInTheFuture(JsonElement claims) =>
        claims.ValueKind == JsonValueKind.Object && claims.TryGetProperty("iat", out var iat)
        && iat.ValueKind == JsonValueKind.Number && iat.TryGetDouble(out var issuedAt)
        && issuedAt > DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 30;

    /// <summary>
    /// PostgREST puts the role it switched to in <c>request.jwt.claims</c> as <c>role</c> (the claims of a token without
    /// a role claim, or whose role came from jwt-role-claim-key, say so too).
    /// </summary>
    private static RequestIdentity WithRoleClaim(RequestIdentity identity)
    {
        if (identity.Claims.ValueKind != JsonValueKind.Object) return identity;
        if (identity.Claims.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String && r.GetString() == identity.Role) return identity;
        var claims = System.Text.Json.Nodes.JsonNode.Parse(identity.Claims.GetRawText())!.AsObject();
        claims["role"] = identity.Role;
        var json = claims.ToJsonString();
        return identity with { ClaimsJson = json, Claims = JsonDocument.Parse(json).RootElement.Clone() };
    }

    /// <summary>PostgREST's PGRST302: no token (or one without a role) while db-anon-role is unset.</summary>
    private static RestException AnonymousDisabled()
    {
        var e = new RestException(401, "PGRST302", "Anonymous access is disabled", (string?)null);
        e.Headers["WWW-Authenticate"] = "Bearer";
        return e;
    }

    private static RestException Unauthorized(string message)
    {
        var e = new RestException(401, "PGRST301", message, (string?)null);
        e.Headers["WWW-Authenticate"] = $"Bearer error=\"invalid_token\", error_description=\"{message}\"";
        return e;
    }

    /// <summary>Parses the query string (PGRST100 on bad syntax).</summary>
    public ApiQuery ParseQuery(bool isRpcRead = false) =>
        QueryParser.Parse(Http.Request.Query.SelectMany(kv => kv.Value.Select(v => new KeyValuePair<string, string>(kv.Key, v ?? ""))), isRpcRead);

    /// <summary>Runs <paramref name="plan"/>; on a schema-cache miss, reloads a stale cache once and retries.</summary>
    public async Task<T> WithCacheRetryAsync<T>(Func<SchemaCache, T> plan)
    {
        Timing?.Lap(ServerMetric.Parse);
        try
        {
            return plan(Cache);
        }
        catch (RestException e) when (e.Code is "PGRST200" or "PGRST202" or "PGRST204" or "PGRST205" or "PGRST107" or "42703" or "42P01")
        {
            if (await CacheState.RefreshIfStaleAsync(Cache, Http.RequestAborted).ConfigureAwait(false) is not { } fresh) throw;
            Cache = fresh;
            return plan(Cache);
        }
    }

    /// <summary>The relation named in the path, or PGRST205 (404).</summary>
    public Relation FindRelation(SchemaCache cache, string name)
    {
        if (cache.FindRelation(Schema, name) is { } rel) return rel;
        var suggestion = cache.Relations.Keys.Where(k => k.Schema == Schema).Select(k => k.Name)
            .FirstOrDefault(n => n.Equals(name, StringComparison.OrdinalIgnoreCase) || n.Equals(name + "s", StringComparison.Ordinal) || (n + "s") == name);
        throw new RestException(404, "PGRST205", $"Could not find the table '{Schema}.{name}' in the schema cache", (string?)null,
            suggestion is null ? null : $"Perhaps you meant the table '{Schema}.{suggestion}'");
    }

    /// <summary>The request headers as PostgREST's <c>request.headers</c> (lower-case names, cookies left out).</summary>
    public string HeadersJson()
    {
        var w = JsonScratch.Start();
        w.WriteStartObject();
        foreach (var (k, v) in Http.Request.Headers)
        {
            if (k.Equals("cookie", StringComparison.OrdinalIgnoreCase)) continue;
            if (IsLowerCase(k)) w.WriteString(k, v.ToString());
            else w.WriteString(k.ToLowerInvariant(), v.ToString());
        }
        w.WriteEndObject();
        return JsonScratch.Finish(w);
    }

    public string CookiesJson()
    {
        if (!Http.Request.Headers.ContainsKey("Cookie")) return "{}";
        var w = JsonScratch.Start();
        w.WriteStartObject();
        foreach (var (k, v) in Http.Request.Cookies) w.WriteString(k, v);
        w.WriteEndObject();
        return JsonScratch.Finish(w);
    }

    private static bool IsLowerCase(string name)
    {
        foreach (var c in name)
            if (char.IsAsciiLetterUpper(c) || c > 0x7F) return false;
        return true;
    }

    /// <summary>The search_path for this request: the schema, then db-extra-search-path.</summary>
    public string SearchPath() =>
        string.Join(", ", new[] { Schema }.Concat(Settings.ExtraSearchPath).Distinct().Select(Sql.Sql.Ident));
}
