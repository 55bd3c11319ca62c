using Microsoft.Extensions.DependencyInjection.Extensions;
using Supacs.Auth;
using Supacs.Core;
using Supacs.Core.Hosting;
using Supacs.Functions;
using Supacs.Gateway.Endpoints;
using Supacs.Gateway.Middleware;
using Supacs.Realtime;
using Supacs.Rest;
using Supacs.Storage;

namespace Supacs.Gateway.Hosting;

/// <summary>Composes the one Kestrel host: foundation, every module, and the gateway's middleware.</summary>
public static class GatewayHost
{
    public static WebApplication Build(SupacsOptions options, TextWriter? console = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://{options.Host}:{options.Port}");
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            // Storage streams large bodies; each module enforces its own limits.
            k.Limits.MaxRequestBodySize = null;
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        // Off entirely: it only logs request start/finish (Information) and start-up errors (which the CLI reports itself),
        // and while it is enabled at any level ASP.NET Core gives every request an Activity and a logging scope, which a
        // websocket then holds for its whole life (about 0.6 KB per idle Realtime connection).
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        builder.Logging.AddFilter("Npgsql", LogLevel.Warning);
        builder.Logging.AddFilter(GatewayLog.RequestCategory,
            Environment.GetEnvironmentVariable("SUPACS_LOG_REQUESTS") == "0" ? LogLevel.None : LogLevel.Information);

        var project = SupacsCoreServiceCollectionExtensions.CreateProject(options);
        if (console is not null)
            builder.Services.TryAddSingleton<StartupReporter>(sp =>
                new ConsoleStartupReporter(console, sp.GetRequiredService<ILogger<StartupReporter>>()));
        builder.Services.AddSupacsCore(project);
        AddModules(builder.Services);

        var app = builder.Build();
        // Created now so it listens from the first request, not from the first scrape.
        _ = app.Services.GetRequiredService<Supacs.Core.Telemetry.PrometheusExporter>();
        app.UseMiddleware<RequestTelemetryMiddleware>();
        app.UseMiddleware<CorsMiddleware>();
        app.UseMiddleware<ApiKeyMiddleware>();
        app.UseMiddleware<ReadinessMiddleware>();
        app.UseWebSockets();
        app.MapHealth();
        app.MapMetrics();
        app.MapSupacsAuth();
        app.MapSupacsRest();
        app.MapSupacsRealtime();
        app.MapSupacsStorage();
        app.MapSupacsFunctions();
        return app;
    }

    /// <summary>Every module's services; also used by the CLI's db commands so their schemas migrate too.</summary>
    public static void AddModules(IServiceCollection services)
    {
        services.AddSupacsAuth();
        services.AddSupacsRest();
        services.AddSupacsRealtime();
        services.AddSupacsStorage();
        services.AddSupacsFunctions();
    }
}
