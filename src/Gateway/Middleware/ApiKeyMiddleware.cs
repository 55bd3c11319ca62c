using System.Security.Cryptography;
using System.Text;
using Supacs.Core.Projects;
using Supacs.Core.Requests;

namespace Supacs.Gateway.Middleware;

/// <summary>Kong's key-auth: the apikey header or query parameter must be the project's anon or service_role key.</summary>
internal sealed class ApiKeyMiddleware(RequestDelegate next)
{
    private static readonly byte[] Missing = Encoding.UTF8.GetBytes(
        "{\"message\":\"No API key found in request\",\"hint\":\"No `apikey` request header or url param was found.\"}");

    private static readonly byte[] Invalid = Encoding.UTF8.GetBytes(
        "{\"message\":\"Invalid API key\",\"hint\":\"Double check your Supabase `anon` or `service_role` API key.\"}");

    public async Task InvokeAsync(HttpContext context)
    {
        if (!ModuleRoutes.RequiresApiKey(context.Request.Path))
        {
            await next(context).ConfigureAwait(false);
            return;
        }
        var key = RequestIdentityResolver.ApiKey(context.Request);
        if (key is null)
        {
            await RejectAsync(context, Missing).ConfigureAwait(false);
            return;
        }
        var keys = context.GetSupacsProject().Keys;
        if (!FixedEquals(key, keys.AnonKey) && !FixedEquals(key, keys.ServiceRoleKey))
        {
            await RejectAsync(context, Invalid).ConfigureAwait(false);
            return;
        }
        await next(context).ConfigureAwait(false);
    }

    private static bool FixedEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

    private static Task RejectAsync(HttpContext context, byte[] body)
    {
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body).AsTask();
    }
}
