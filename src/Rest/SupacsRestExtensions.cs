using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Supacs.Core.Hosting;

namespace Supacs.Rest;

/// <summary>The Rest module's public surface: register with AddSupacsRest, mount with MapSupacsRest.</summary>
public static class SupacsRestExtensions
{
    public const string DefaultPrefix = "/rest/v1";

    /// <summary>Registers the Rest module's services (its ISchemaContributor, options, per-project state).</summary>
    public static IServiceCollection AddSupacsRest(this IServiceCollection services) =>
        services.AddSingleton(new SupacsModule("rest", DefaultPrefix));

    /// <summary>Maps the Rest endpoints under <paramref name="prefix"/>.</summary>
    public static RouteGroupBuilder MapSupacsRest(this IEndpointRouteBuilder endpoints, string prefix = DefaultPrefix) =>
        endpoints.MapGroup(prefix);
}
