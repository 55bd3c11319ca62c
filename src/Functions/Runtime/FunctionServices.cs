using Microsoft.Extensions.Logging;
using Supacs.Core.Projects;
using Supacs.Functions.Loading;

namespace Supacs.Functions.Runtime;

/// <summary>What every worker of one project shares: options, env, parsed modules, HTTP clients, loggers.</summary>
internal sealed class FunctionServices : IDisposable
{
    public FunctionServices(SupacsProject project, ILoggerFactory loggers)
    {
        ProjectDir = project.ProjectDir ?? project.DataDir;
        Options = FunctionsOptions.FromConfig(project.Config);
        Env = FunctionEnv.Build(project);
        StripCacheDir = Path.Combine(project.DataDir, "functions", "transpiled");
        PackageCacheDir = Path.Combine(project.DataDir, "functions", "npm", "node_modules");
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
    }

    public string ProjectDir { get; }
    public FunctionsOptions Options { get; }
    public IReadOnlyDictionary<string, string> Env { get; }
    public ModuleCache Modules { get; } = new();
    public string StripCacheDir { get; }

    /// <summary>Where packages installed for functions live (used after the node_modules folders next to the code).</summary>
    public string PackageCacheDir { get; }
    public ILogger Logger { get; }
    public ILogger ConsoleLogger { get; }
    public HttpClient FollowingClient { get; }
    public HttpClient ManualClient { get; }

    public void Dispose()
    {
        FollowingClient.Dispose();
        ManualClient.Dispose();
    }
}
