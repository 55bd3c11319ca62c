using Microsoft.Extensions.Logging;
using Supacs.Core.Projects;
using Supacs.Functions.Loading;
using Supacs.Functions.Packages;

namespace Supacs.Functions.Runtime;

/// <summary>What every worker of one project shares: options, env, parsed modules, HTTP clients, loggers.</summary>
internal sealed class FunctionServices : IDisposable
{
    public FunctionServices(SupacsProject project, ILoggerFactory loggers)
    {
        ProjectDir = project.ProjectDir ?? project.DataDir;
        Options = FunctionsOptions.FromConfig(project.Config);
        Env = new FunctionEnv(project);
        StripCacheDir = Path.Combine(project.DataDir, "functions", "transpiled");
        Logger = loggers.CreateLogger("Supacs.Functions");
        ConsoleLogger = loggers.CreateLogger("Supacs.Functions.Console");
        FollowingClient = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = true,
            AutomaticDecompression = System.Net.DecompressionMethods.All,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        }) { Timeout = Timeout.InfiniteTimeSpan };
        ManualClient = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = System.Net.DecompressionMethods.All,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        }) { Timeout = Timeout.InfiniteTimeSpan };
        RegistryClient = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = System.Net.DecompressionMethods.All })
        {
            Timeout = TimeSpan.FromMinutes(2),
        };
        Packages = new PackageStore(PackageStore.DefaultRoot(project.DataDir), Options.Registries, RegistryClient, Logger);
    }

    public string ProjectDir { get; }
    public FunctionsOptions Options { get; }
    public FunctionEnv Env { get; }
    public ModuleCache Modules { get; } = new();
    public string StripCacheDir { get; }

    /// <summary>Packages installed for functions (used after the node_modules folders next to the code).</summary>
    public PackageStore Packages { get; }
    private HttpClient RegistryClient { get; }
    public ILogger Logger { get; }
    public ILogger ConsoleLogger { get; }
    public HttpClient FollowingClient { get; }
    public HttpClient ManualClient { get; }

    public void Dispose()
    {
        FollowingClient.Dispose();
        ManualClient.Dispose();
        RegistryClient.Dispose();
    }
}
