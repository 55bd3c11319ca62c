using System.Text;
using Microsoft.Extensions.Primitives;
using Supacs.Core.Keys;
using Supacs.Core.Projects;
using Supacs.Core.Requests;

namespace Supacs.Gateway.Middleware;

/// <summary>
/// The gateway's key check, as Supabase's: the apikey (header or query parameter) must be one of the project's
/// keys — the legacy anon/service_role JWTs or the new opaque <c>sb_publishable_…</c>/<c>sb_secret_…</c> keys.
/// New keys are not JWTs, so the gateway exchanges them for the matching JWT (apikey, and a bearer that is absent
/// or is the key itself) before the modules see the request; functions get no such exchange, as on the platform.
/// </summary>
internal sealed class ApiKeyMiddleware(RequestDelegate next, ProjectRegistry projects)
{
    private static readonly byte[] Missing = Encoding.UTF8.GetBytes(
        "{\"message\":\"No API key found in request\",\"hint\":\"No `apikey` request header or url param was found.\"}");

    private static readonly byte[] Invalid = Encoding.UTF8.GetBytes(
        "{\"message\":\"Invalid API key\",\"hint\":\"Double check your Supabase `anon` or `service_role` API key.\"}");

    private static readonly byte[] SecretInBrowser = Encoding.UTF8.GetBytes(
        "{\"message\":\"Forbidden use of secret API key in browser\"}");

    /// <summary>Not async on the way through: a websocket keeps each awaiting middleware's state for as long as it is open.</summary>
    public Task InvokeAsync(HttpContext context)
    {
        var key = RequestIdentityResolver.ApiKey(context.Request);
        // The first to ask binds the project to the request (as a feature, without creating the request's DI scope).
        var keys = projects.For(context).Keys;
        var required = ModuleRoutes.RequiresApiKey(context.Request.Path);

        if (key is not null && IsNewFormatKey(key))
        {
            var jwt = ConstantTime.Equals(key, keys.PublishableKey) ? keys.AnonKey
                : ConstantTime.Equals(key, keys.SecretKey) ? keys.ServiceRoleKey
                : null;
            if (jwt is null) return required ? RejectAsync(context, Invalid) : next(context);
            if (jwt == keys.ServiceRoleKey && IsBrowser(context.Request)) return RejectAsync(context, SecretInBrowser);
            if (ModuleRoutes.ModuleOf(context.Request.Path) != "functions") ExchangeForJwt(context.Request, key, jwt);
            return next(context);
        }

        if (!required) return next(context);
        if (key is null) return RejectAsync(context, Missing);
        if (!ConstantTime.Equals(key, keys.AnonKey) && !ConstantTime.Equals(key, keys.ServiceRoleKey)) return RejectAsync(context, Invalid);
        return next(context);
    }

    private static bool IsNewFormatKey(string key) =>
        key.StartsWith("sb_publishable_", StringComparison.Ordinal) || key.StartsWith("sb_secret_", StringComparison.Ordinal);

    /// <summary>Secret keys are refused from browsers, which Supabase recognises by their User-Agent.</summary>
    private static bool IsBrowser(HttpRequest request) =>
        request.Headers.UserAgent.ToString().StartsWith("Mozilla/", StringComparison.Ordinal);

    private static void ExchangeForJwt(HttpRequest request, string key, string jwt)
    {
        if (request.Headers.ContainsKey("apikey")) request.Headers["apikey"] = jwt;
        var auth = request.Headers.Authorization.ToString();
        if (auth.Length == 0 || auth == "Bearer " + key) request.Headers.Authorization = "Bearer " + jwt;
        if (request.Query.ContainsKey("apikey"))
        {
            var query = request.Query.ToDictionary(q => q.Key, q => q.Key == "apikey" ? new StringValues(jwt) : q.Value);
            request.QueryString = QueryString.Create(query);
        }
    }

    private static Task RejectAsync(HttpContext context, byte[] body)
    {
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body).AsTask();
    }
}
