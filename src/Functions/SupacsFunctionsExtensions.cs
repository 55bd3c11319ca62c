using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Supacs.Core.Hosting;
using Supacs.Functions.Endpoints;
using Supacs.Functions.Hosting;

namespace Supacs.Functions;

/// <summary>The Functions module's public surface: register with AddSupacsFunctions, mount with MapSupacsFunctions.</summary>
public static class SupacsFunctionsExtensions
{
    public const string DefaultPrefix = "/functions/v1";

    /// <summary>Registers the Functions module's services (its per-project runtime lives in <c>project.Feature</c>).</summary>
    public static IServiceCollection AddSupacsFunctions(this IServiceCollection services)
    {
        services.AddSingleton(new SupacsModule("functions", DefaultPrefix));
        services.AddHostedService<FunctionsWarmup>();
        services.AddSingleton<FunctionsMetrics>();
        return services;
    }

    /// <summary>Maps the Functions endpoints under <paramref name="prefix"/>.</summary>
    public static RouteGroupBuilder MapSupacsFunctions(this IEndpointRouteBuilder endpoints, string prefix = DefaultPrefix)
    {
        var group = endpoints.MapGroup(prefix);
        InvokeFunction.Map(group);
        return group;
    }
}
