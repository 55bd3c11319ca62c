using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Supacs.Core;
using Supacs.Core.Config;
using Supacs.Core.Projects;

namespace Supacs.Testing;

/// <summary>
/// A real Kestrel host on a free loopback port, serving one module (or several) over a test database,
/// with the project already marked ready. Tests talk to it with a plain HttpClient.
/// </summary>
public sealed class SupacsTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string? _ownedDataDir;

    private SupacsTestHost(WebApplication app, SupacsProject project, Uri baseAddress, string? ownedDataDir)
    {
        _app = app;
        _ownedDataDir = ownedDataDir;
        Project = project;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress };
    }

    public SupacsProject Project { get; }
    public Uri BaseAddress { get; }
    public HttpClient Client { get; }
    public IServiceProvider Services => _app.Services;

    public static async Task<SupacsTestHost> StartAsync(
        TestDatabase database,
        Action<IServiceCollection> addServices,
        Action<WebApplication> map,
        string? configToml = null,
        string? dataDir = null,
        string? projectDir = null,
        Core.Keys.JwtKeys? keys = null)
    {
        var port = FreePort();
        var options = new SupacsOptions
        {
            Port = port,
            DataDir = dataDir ?? Path.Combine(Path.GetTempPath(), "supacs-host-" + Guid.NewGuid().ToString("N")[..12]),
            ProjectDir = projectDir,
        };
        Directory.CreateDirectory(options.DataDir);
        var config = configToml is null ? ProjectConfig.Load(projectDir) : ProjectConfig.Parse(configToml);
        var project = new SupacsProject("test", options, config, keys ?? TestTokens.Keys, options.DataDir);
        project.MarkReady(database.ToProjectDatabase());

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        builder.Services.AddSupacsCore(project, manageDatabase: false);
        addServices(builder.Services);
        var app = builder.Build();
        app.UseWebSockets();
        map(app);
        await app.StartAsync().ConfigureAwait(false);
        return new SupacsTestHost(app, project, new Uri($"http://127.0.0.1:{port}"), dataDir is null ? options.DataDir : null);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        await Project.Database.DisposeAsync().ConfigureAwait(false);
        if (_ownedDataDir is not null)
        {
            try { Directory.Delete(_ownedDataDir, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }
}
