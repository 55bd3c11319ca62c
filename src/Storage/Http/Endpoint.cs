using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Supacs.Storage.Blobs;

namespace Supacs.Storage.Http;

/// <summary>Maps a handler and turns every failure into Storage's error envelope.</summary>
internal static partial class Endpoint
{
    public static IEndpointConventionBuilder Map(this IEndpointRouteBuilder group, string method, string pattern, Func<HttpContext, Task> handler) =>
        group.MapMethods(pattern, [method], (RequestDelegate)(ctx => RunAsync(ctx, handler)));

    private static async Task RunAsync(HttpContext ctx, Func<HttpContext, Task> handler)
    {
        try
        {
            await handler(ctx).ConfigureAwait(false);
        }
        catch (StorageError e)
        {
            await e.WriteAsync(ctx.Response, RealStatus(ctx)).ConfigureAwait(false);
        }
        catch (PostgresException e)
        {
            await StorageError.FromPostgres(e).WriteAsync(ctx.Response, RealStatus(ctx)).ConfigureAwait(false);
        }
        catch (BlobTooLargeException)
        {
            await StorageError.TooLarge().WriteAsync(ctx.Response, RealStatus(ctx)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            // Client went away; nothing to answer.
        }
        catch (BadHttpRequestException e)
        {
            await new StorageError("400", "Bad Request", e.Message, "InvalidRequest").WriteAsync(ctx.Response).ConfigureAwait(false);
        }
        catch (IOException) when (ctx.RequestAborted.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            LogUnhandled(ctx.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Supacs.Storage"), ctx.Request.Path.Value, e);
            await StorageError.Internal("Internal Server Error").WriteAsync(ctx.Response).ConfigureAwait(false);
        }
    }

    private static bool RealStatus(HttpContext ctx) => StorageState.Of(Supacs.Core.Projects.HttpContextProjectExtensions.GetSupacsProject(ctx)).Options.RealHttpStatus;

    public static string Route(this HttpContext ctx, string name) => ctx.Request.RouteValues[name] as string ?? "";

    [LoggerMessage(EventId = 5001, Level = LogLevel.Error, Message = "Storage request {Path} failed")]
    private static partial void LogUnhandled(ILogger logger, string? path, Exception e);
}
