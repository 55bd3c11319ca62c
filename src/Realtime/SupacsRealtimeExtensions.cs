using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Supacs.Core.Hosting;
using Supacs.Core.Postgres;
using Supacs.Realtime.Endpoints;

namespace Supacs.Realtime;

/// <summary>The Realtime module's public surface: register with AddSupacsRealtime, mount with MapSupacsRealtime.</summary>
public static class SupacsRealtimeExtensions
{
    public const string DefaultPrefix = "/realtime/v1";

    /// <summary>Registers the Realtime module's services (its ISchemaContributor, options, per-project state).</summary>
    public static IServiceCollection AddSupacsRealtime(this IServiceCollection services)
    {
        services.AddSingleton(new SupacsModule("realtime", DefaultPrefix));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISchemaContributor, RealtimeSchema>());
        services.AddHostedService<RealtimeLifetime>();
        services.TryAddSingleton<RealtimeMetrics>();
        return services;
    }

    /// <summary>Maps the Realtime endpoints under <paramref name="prefix"/>.</summary>
    public static RouteGroupBuilder MapSupacsRealtime(this IEndpointRouteBuilder endpoints, string prefix = DefaultPrefix)
    {
        var group = endpoints.MapGroup(prefix);
        WebSocketEndpoint.Map(group);
        BroadcastEndpoint.Map(group);
        return group;
    }
}
