using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Supacs.Core.Projects;
using Supacs.Core.Requests;
using Supacs.Functions.Loading;
using Supacs.Functions.Runtime;

namespace Supacs.Functions.Endpoints;

/// <summary>
/// <c>ANY /functions/v1/NAME[/rest]</c>: finds the function, checks <c>verify_jwt</c> (OPTIONS skips it, as the
/// local router does), rents a pre-warmed worker and lets the function answer. The function sees <c>/NAME/rest?query</c>.
/// </summary>
internal static class InvokeFunction
{
    private static readonly HashSet<string> Methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

    public static void Map(RouteGroupBuilder group)
    {
        group.Map("/{name}", (HttpContext ctx, string name) => HandleAsync(ctx, name, ""));
        group.Map("/{name}/{**rest}", (HttpContext ctx, string name, string? rest) => HandleAsync(ctx, name, "/" + (rest ?? "")));
    }

    private static async Task HandleAsync(HttpContext context, string name, string rest)
    {
        var project = context.GetSupacsProject();
        var runtime = project.Feature(p => new FunctionsRuntime(p, context.RequestServices.GetRequiredService<ILoggerFactory>()));
        var services = runtime.Services;
        var request = context.Request;

        var settings = FunctionSettings.For(project.Config, name);
        var entry = settings.Enabled ? FunctionLocator.FindEntry(project.ProjectDir, name, settings) : null;
        if (entry is null)
        {
            await FunctionErrors.WriteAsync(context, StatusCodes.Status404NotFound, FunctionErrors.NotFound, "NOT_FOUND").ConfigureAwait(false);
            return;
        }
        if (!Methods.Contains(request.Method))
        {
            await FunctionErrors.WriteAsync(context, StatusCodes.Status405MethodNotAllowed, FunctionErrors.MethodNotAllowed).ConfigureAwait(false);
            return;
        }
        if (settings.VerifyJwt && !HttpMethods.IsOptions(request.Method) && await RejectJwtAsync(context, project).ConfigureAwait(false))
            return;

        byte[]? body = null;
        if (!HttpMethods.IsGet(request.Method))
        {
            var limit = services.Options.MaxRequestBodyBytes;
            if (request.ContentLength > limit)
            {
                await FunctionErrors.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, FunctionErrors.TooLarge).ConfigureAwait(false);
                return;
            }
            body = await ReadBodyAsync(request, limit, context.RequestAborted).ConfigureAwait(false);
            if (body is null)
            {
                await FunctionErrors.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, FunctionErrors.TooLarge).ConfigureAwait(false);
                return;
            }
            if (body.Length == 0 && request.ContentLength is null && !request.Headers.ContainsKey("transfer-encoding")) body = null;
        }

        var url = $"{request.Scheme}://{request.Host}/{name}{rest}{request.QueryString}";
        using var wallClock = new CancellationTokenSource(services.Options.WallClock);
        var pool = runtime.Pool(name);
        var metrics = context.RequestServices.GetService<FunctionsMetrics>();
        if (metrics is not null) pool.OnBoot ??= metrics.Booted;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var outcome = "ok";
        FunctionWorker worker;
        try
        {
            worker = await pool.RentAsync(entry, settings, context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e)
        {
            FunctionsLog.BootFailed(services.Logger, name, e is Jint.Runtime.JavaScriptException js ? FunctionWorker.Describe(js.Error) : e.Message);
            var limit = FunctionWorker.IsLimit(e) || FunctionWorker.IsLimit(e.InnerException);
            metrics?.Invoked(name, limit ? "worker_limit" : "boot_error", System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
            if (limit)
                await FunctionErrors.WriteAsync(context, FunctionErrors.WorkerLimitStatus, FunctionErrors.WorkerLimit, "WORKER_LIMIT").ConfigureAwait(false);
            else
                await FunctionErrors.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, FunctionErrors.BootError, "BOOT_ERROR").ConfigureAwait(false);
            return;
        }

        try
        {
            await worker.InvokeAsync(context, url, body, wallClock.Token).ConfigureAwait(false);
        }
        catch (WorkerLimitException e)
        {
            outcome = "worker_limit";
            FunctionsLog.WorkerLimit(services.Logger, name, e.Message);
            if (context.Response.HasStarted) context.Abort();
            else await FunctionErrors.WriteAsync(context, FunctionErrors.WorkerLimitStatus, FunctionErrors.WorkerLimit, "WORKER_LIMIT").ConfigureAwait(false);
        }
        catch (FunctionThrewException e)
        {
            outcome = "worker_error";
            FunctionsLog.WorkerError(services.Logger, name, e.Message);
            if (context.Response.HasStarted) context.Abort();
            else await FunctionErrors.WriteAsync(context, StatusCodes.Status500InternalServerError, FunctionErrors.WorkerError, "WORKER_ERROR").ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away mid-response.
        }
        finally
        {
            pool.Return(worker);
            metrics?.Invoked(name, outcome, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    /// <summary>The CLI router's check: a Bearer JWT signed by the project. Writes the 401 and returns true when refused.</summary>
    private static async Task<bool> RejectJwtAsync(HttpContext context, SupacsProject project)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (header.Length == 0)
        {
            await FunctionErrors.WriteAsync(context, StatusCodes.Status401Unauthorized, FunctionErrors.MissingAuth, "UNAUTHORIZED_NO_AUTH_HEADER").ConfigureAwait(false);
            return true;
        }
        var parts = header.Split(' ');
        if (parts.Length < 2 || parts[0] != "Bearer")
        {
            await FunctionErrors.WriteAsync(context, StatusCodes.Status401Unauthorized, FunctionErrors.NotBearer, "UNAUTHORIZED_INVALID_JWT_FORMAT").ConfigureAwait(false);
            return true;
        }
        var result = await RequestIdentityResolver.ResolveTokenAsync(parts[1], project.Keys).ConfigureAwait(false);
        if (!result.IsValid)
        {
            await FunctionErrors.WriteAsync(context, StatusCodes.Status401Unauthorized, FunctionErrors.InvalidJwt, "UNAUTHORIZED_LEGACY_JWT").ConfigureAwait(false);
            return true;
        }
        return false;
    }

    /// <summary>The whole body, or null when it exceeds <paramref name="limit"/>.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, long limit, CancellationToken ct)
    {
        using var ms = request.ContentLength is { } len ? new MemoryStream((int)len) : new MemoryStream();
        var buffer = new byte[16 * 1024];
        int n;
        while ((n = await request.Body.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
        {
            if (ms.Length + n > limit) return null;
            ms.Write(buffer, 0, n);
        }
        return ms.ToArray();
    }
}
