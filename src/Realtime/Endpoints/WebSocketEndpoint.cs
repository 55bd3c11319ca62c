using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Supacs.Core.Projects;
using Supacs.Realtime.Channels;
using Supacs.Realtime.Protocol;
using Supacs.Realtime.Sockets;

namespace Supacs.Realtime.Endpoints;

/// <summary><c>GET /realtime/v1/websocket</c>: the Phoenix socket (vsn 1.0.0 or 2.0.0), authorised by the apikey JWT.</summary>
internal static class WebSocketEndpoint
{
    /// <remarks>
    /// The handler takes the app's services, not the request's: resolving from <c>RequestServices</c> creates a DI scope per
    /// request, which a websocket keeps for as long as it is open.
    /// </remarks>
    public static void Map(IEndpointRouteBuilder group)
    {
        var services = group.ServiceProvider;
        group.Map("/websocket", context => HandleAsync(context, services));
    }

    private static async Task HandleAsync(HttpContext context, IServiceProvider services)
    {
        var project = context.GetSupacsProject();
        var hub = RealtimeHub.For(project, services);
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await ErrorAsync(context, StatusCodes.Status400BadRequest, "Expected a websocket upgrade").ConfigureAwait(false);
            return;
        }
        var vsn = context.Request.Query["vsn"].ToString();
        PhoenixVersion version;
        switch (vsn)
        {
            case "" or "1.0.0": version = PhoenixVersion.V1; break;
            case "2.0.0": version = PhoenixVersion.V2; break;
            default:
                await ErrorAsync(context, StatusCodes.Status403Forbidden, $"Unsupported vsn: {vsn}").ConfigureAwait(false);
                return;
        }
        var token = context.Request.Headers["x-api-key"].ToString();
        if (token.Length == 0) token = context.Request.Query["apikey"].ToString();
        if (token.Length == 0) token = context.Request.Headers["apikey"].ToString();
        var auth = await hub.Tokens.ValidateAsync(token).ConfigureAwait(false);
        if (!auth.IsValid)
        {
            await ConnectErrorAsync(context, hub, StatusCodes.Status401Unauthorized, auth.Error!).ConfigureAwait(false);
            return;
        }
        // Upstream's order after the token: concurrent users, then joins per second (checked, not counted).
        if (!hub.TryAddSocket())
        {
            await ConnectErrorAsync(context, hub, StatusCodes.Status429TooManyRequests, "Too many connected users").ConfigureAwait(false);
            return;
        }
        if (hub.Joins.IsFull)
        {
            hub.RemoveSocket();
            await ConnectErrorAsync(context, hub, StatusCodes.Status429TooManyRequests, "Too many joins per second").ConfigureAwait(false);
            return;
        }
        try
        {
            // No websocket-level pings (and no timer per socket): Phoenix heartbeats keep a socket alive, the hub's idle sweep ends silent ones.
            using var ws = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = TimeSpan.Zero }).ConfigureAwait(false);
            ReleaseQuery(context);
            var socket = new RealtimeSocket(ws, version, hub, auth.Identity!, auth.Identity!.Token, hub.SocketLogger);
            // Sockets end when the host stops (the hub tells each), so shutdown never waits on open websockets.
            await socket.RunAsync().ConfigureAwait(false);
        }
        finally
        {
            hub.RemoveSocket();
        }
    }

    /// <summary>
    /// A websocket keeps its HttpContext for as long as it is open, and with it the parsed query (a dictionary holding the
    /// apikey JWT again, about 0.6 KB per idle connection). Nothing reads the query after the upgrade, so the parsed copy is
    /// dropped. (Kestrel keeps the raw target and query string themselves in its connection's parse cache.)
    /// </summary>
    private static void ReleaseQuery(HttpContext context) => context.Request.Query = QueryCollection.Empty;

    /// <summary>
    /// A refused upgrade, answered after <c>connect_error_backoff_ms</c> (as upstream, to slow reconnect storms). The wait is a
    /// timer (no thread held) and ends early when the client goes away.
    /// </summary>
    private static async Task ConnectErrorAsync(HttpContext context, RealtimeHub hub, int status, string message)
    {
        if (hub.Options.ConnectErrorBackoff > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(hub.Options.ConnectErrorBackoff, context.RequestAborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
        await ErrorAsync(context, status, message).ConfigureAwait(false);
    }

    private static async Task ErrorAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["error"] = message });
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body).ConfigureAwait(false);
    }
}
