using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Supacs.Auth.Tests.Infrastructure;

/// <summary>A real HTTP server on a loopback port, for the peers Auth calls (OAuth providers, SMS APIs); records requests.</summary>
public sealed class HttpPeer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private HttpPeer(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public string Url { get; }

    /// <summary>Method, path+query, headers and body of each request, in order.</summary>
    public ConcurrentQueue<(string Method, string PathAndQuery, IHeaderDictionary Headers, string Body)> Requests { get; } = new();

    public static async Task<HttpPeer> StartAsync(Action<WebApplication> map)
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var peer = new HttpPeer(app, $"http://127.0.0.1:{port}");
        app.Use(async (ctx, next) =>
        {
            ctx.Request.EnableBuffering();
            var body = await new StreamReader(ctx.Request.Body).ReadToEndAsync();
            ctx.Request.Body.Position = 0;
            peer.Requests.Enqueue((ctx.Request.Method, ctx.Request.Path + ctx.Request.QueryString, new HeaderDictionary(ctx.Request.Headers.ToDictionary(h => h.Key, h => h.Value)), body));
            await next(ctx);
        });
        map(app);
        await app.StartAsync();
        return peer;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
