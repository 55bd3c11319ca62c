using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Supacs.Core.Hosting;

namespace Supacs.Realtime;

/// <summary>The Realtime module's public surface: register with AddSupacsRealtime, mount with MapSupacsRealtime.</summary>
public static class SupacsRealtimeExtensions
{
    public const string DefaultPrefix = "/realtime/v1";

    /// <summary>Registers the Realtime module's services (its ISchemaContributor, options, per-project state).</summary>
    public static IServiceCollection AddSupacsRealtime(this IServiceCollection services) =>
        services.AddSingleton(new SupacsModule("realtime", DefaultPrefix));

    /// <summary>Maps the Realtime endpoints under <paramref name="prefix"/>.</summary>
    public static RouteGroupBuilder MapSupacsRealtime(this IEndpointRouteBuilder endpoints, string prefix = DefaultPrefix) =>
        endpoints.MapGroup(prefix);
}
