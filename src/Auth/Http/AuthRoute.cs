using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Supacs.Core.Projects;

namespace Supacs.Auth.Http;

/// <summary>Maps an Auth endpoint so every failure leaves as a GoTrue error in the shape the client asked for.</summary>
internal static partial class AuthRoute
{
    public static IEndpointConventionBuilder MapAuth(this IEndpointRouteBuilder group, string method, string pattern, Func<AuthRequest, Task> handler) =>
        group.MapMethods(pattern, [method], context => RunAsync(context, handler));

    private static async Task RunAsync(HttpContext context, Func<AuthRequest, Task> handler)
    {
        var project = context.GetSupacsProject();
        var runtime = AuthRuntime.For(project, context.RequestServices);
        var request = new AuthRequest(context, project, runtime);
        try
        {
            await handler(request).ConfigureAwait(false);
        }
        catch (AuthException e) when (!context.Response.HasStarted)
        {
            await AuthErrors.WriteAsync(context, e).ConfigureAwait(false);
        }
        catch (PostgresException e) when (!context.Response.HasStarted)
        {
            // GoTrue says only "Database error saving new user"; we add what the trigger or constraint said.
            LogDatabaseError(Logger(context), e.SqlState, e.MessageText);
            await AuthErrors.WriteAsync(context, new AuthException(500, "unexpected_failure", "Database error: " + e.MessageText)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            LogUnexpected(Logger(context), e);
            await AuthErrors.WriteAsync(context, new AuthException(500, "unexpected_failure", "Unexpected failure, please check server logs for more information")).ConfigureAwait(false);
        }
    }

    private static ILogger Logger(HttpContext context) =>
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Supacs.Auth");

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Auth database error {SqlState}: {Message}")]
    private static partial void LogDatabaseError(ILogger logger, string sqlState, string message);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Error, Message = "Auth request failed unexpectedly")]
    private static partial void LogUnexpected(ILogger logger, Exception error);
}
