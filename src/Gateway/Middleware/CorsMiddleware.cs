using Microsoft.Extensions.Primitives;

namespace Supacs.Gateway.Middleware;

/// <summary>
/// CORS as Supabase's gateway answers it: any origin, preflights answered at the gateway with the
/// requested headers echoed, and the headers supabase-js reads exposed on real responses. Preflights to
/// /functions/v1 go to the function first (functions answer their own OPTIONS), falling back to ours.
/// </summary>
internal sealed class CorsMiddleware(RequestDelegate next)
{
    private const string AllowMethods = "GET,HEAD,PUT,PATCH,POST,DELETE,OPTIONS,TRACE,CONNECT";
    private const string DefaultAllowHeaders =
        "authorization,x-client-info,apikey,content-type,accept,accept-profile,content-profile,prefer,range,x-upsert,x-supabase-api-version,x-region";
    private const string ExposeHeaders =
        "Content-Encoding,Content-Location,Content-Range,Content-Type,Content-Length,Content-Disposition,Date,ETag,Last-Modified,Location,Range-Unit,X-Total-Count,Link,X-Supabase-Api-Version,x-sb-error-code,Preference-Applied,Upload-Offset,Upload-Length,Tus-Resumable,Tus-Version,Tus-Max-Size,Tus-Extension,Upload-Metadata,Upload-Expires";

    /// <summary>Not async on the way through: a websocket keeps each awaiting middleware's state for as long as it is open.</summary>
    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var origin = request.Headers.Origin;
        var isPreflight = HttpMethods.IsOptions(request.Method) && !StringValues.IsNullOrEmpty(request.Headers.AccessControlRequestMethod);
        if (isPreflight)
        {
            if (ModuleRoutes.ModuleOf(request.Path) == "functions") return PreflightThroughFunctionAsync(context);
            WritePreflight(context);
            return Task.CompletedTask;
        }
        if (!StringValues.IsNullOrEmpty(origin))
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                if (!headers.ContainsKey("Access-Control-Allow-Origin")) headers.AccessControlAllowOrigin = "*";
                if (!headers.ContainsKey("Access-Control-Expose-Headers")) headers.AccessControlExposeHeaders = ExposeHeaders;
                return Task.CompletedTask;
            });
        }
        return next(context);
    }

    /// <summary>
    /// Functions answer their own OPTIONS (their corsHeaders); the answer is buffered (preflights are tiny) so
    /// that a 404/405 — no such function, or one that ignores OPTIONS — can still become our preflight.
    /// </summary>
    private async Task PreflightThroughFunctionAsync(HttpContext context)
    {
        var realBody = context.Response.Body;
        await using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            context.Response.Body = realBody;
        }
        if (context.Response.StatusCode is 404 or 405)
        {
            context.Response.Clear();
            WritePreflight(context);
            return;
        }
        AddPreflightIfMissing(context);
        context.Response.ContentLength = buffer.Length;
        buffer.Position = 0;
        await buffer.CopyToAsync(realBody).ConfigureAwait(false);
    }

    private static void WritePreflight(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        SetPreflightHeaders(context);
        context.Response.ContentLength = 0;
    }

    private static void AddPreflightIfMissing(HttpContext context)
    {
        if (!context.Response.Headers.ContainsKey("Access-Control-Allow-Origin")) SetPreflightHeaders(context);
    }

    private static void SetPreflightHeaders(HttpContext context)
    {
        var headers = context.Response.Headers;
        var requested = context.Request.Headers.AccessControlRequestHeaders;
        headers.AccessControlAllowOrigin = "*";
        headers.AccessControlAllowMethods = AllowMethods;
        headers.AccessControlAllowHeaders = StringValues.IsNullOrEmpty(requested) ? DefaultAllowHeaders : requested;
        headers.AccessControlMaxAge = "3600";
        headers.Vary = "Origin";
    }
}
