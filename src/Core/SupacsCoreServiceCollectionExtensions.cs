using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Supacs.Core.Config;
using Supacs.Core.Hosting;
using Supacs.Core.Keys;
using Supacs.Core.Projects;
using Supacs.Core.Telemetry;

namespace Supacs.Core;

public static class SupacsCoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers the foundation: the project (keys, config, database start-up), the registry that
    /// resolves it per request, and telemetry. Call once; modules add themselves with AddSupacsX.
    /// </summary>
    public static IServiceCollection AddSupacsCore(this IServiceCollection services, SupacsOptions options)
    {
        var project = CreateProject(options);
        return services.AddSupacsCore(project);
    }

    /// <param name="manageDatabase">False when the caller supplies a ready database (tests, embedding hosts).</param>
    public static IServiceCollection AddSupacsCore(this IServiceCollection services, SupacsProject project, bool manageDatabase = true)
    {
        var registry = new ProjectRegistry();
        registry.Add(project);
        services.AddSingleton(registry);
        services.AddSingleton(project.Options);
        services.TryAddSingleton<StartupReporter>();
        services.AddSingleton<ProjectStarter>();
        if (manageDatabase) services.AddHostedService<ProjectHostedService>();
        services.AddMetrics();
        services.AddSingleton<SupacsMetrics>();
        services.AddSingleton<PrometheusExporter>();
        return services;
    }

    /// <summary>Builds the one project of this host from options, the environment and the project folder.</summary>
    public static SupacsProject CreateProject(SupacsOptions options)
    {
        ClusterLocator.EnsureWritable(options.DataDir);
        var config = ProjectConfig.Load(options.ProjectDir);
        var keys = KeyStore.Load(options.DataDir, Environment.GetEnvironmentVariable, config);
        return new SupacsProject("default", options, config, keys, options.DataDir);
    }
}
