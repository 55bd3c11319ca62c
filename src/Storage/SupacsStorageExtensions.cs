using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Supacs.Core.Hosting;

namespace Supacs.Storage;

/// <summary>The Storage module's public surface: register with AddSupacsStorage, mount with MapSupacsStorage.</summary>
public static class SupacsStorageExtensions
{
    public const string DefaultPrefix = "/storage/v1";

    /// <summary>Registers the Storage module's services (its ISchemaContributor, options, per-project state).</summary>
    public static IServiceCollection AddSupacsStorage(this IServiceCollection services) =>
        services.AddSingleton(new SupacsModule("storage", DefaultPrefix));

    /// <summary>Maps the Storage endpoints under <paramref name="prefix"/>.</summary>
    public static RouteGroupBuilder MapSupacsStorage(this IEndpointRouteBuilder endpoints, string prefix = DefaultPrefix) =>
        endpoints.MapGroup(prefix);
}
