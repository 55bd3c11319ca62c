using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Supacs.Core.Hosting;
using Supacs.Core.Postgres;
using Supacs.Rest.Endpoints;
using Supacs.Rest.Schema;

namespace Supacs.Rest;

/// <summary>The Rest module's public surface: register with AddSupacsRest, mount with MapSupacsRest.</summary>
public static class SupacsRestExtensions
{
    public const string DefaultPrefix = "/rest/v1";

    /// <summary>Registers the Rest module's services (its ISchemaContributor, options, per-project state).</summary>
    public static IServiceCollection AddSupacsRest(this IServiceCollection services)
    {
        services.AddSingleton(new SupacsModule("rest", DefaultPrefix));
        services.AddSingleton<ISchemaContributor, RestSchemaContributor>();
        services.AddHostedService<ReloadSignals>();
        return services;
    }

    /// <summary>Maps the Rest endpoints under <paramref name="prefix"/>.</summary>
    public static RouteGroupBuilder MapSupacsRest(this IEndpointRouteBuilder endpoints, string prefix = DefaultPrefix)
    {
        var group = endpoints.MapGroup(prefix);
        group.MapMethods("/rpc/{function}", [HttpMethods.Get, HttpMethods.Head, HttpMethods.Post],
            (HttpContext http, string function) => RpcCall.HandleAsync(http, function));
        group.MapMethods("/rpc/{function}", [HttpMethods.Put, HttpMethods.Patch, HttpMethods.Delete],
            (HttpContext http) => MethodNotAllowed.HandleAsync(http));
        group.MapMethods("/{relation}", [HttpMethods.Get, HttpMethods.Head], (HttpContext http, string relation) => RelationRead.HandleAsync(http, relation));
        group.MapPost("/{relation}", (HttpContext http, string relation) => RelationInsert.HandleAsync(http, relation));
        group.MapPatch("/{relation}", (HttpContext http, string relation) => RelationUpdate.HandleAsync(http, relation));
        group.MapDelete("/{relation}", (HttpContext http, string relation) => RelationDelete.HandleAsync(http, relation));
        group.MapPut("/{relation}", (HttpContext http, string relation) => RelationPut.HandleAsync(http, relation));
        group.MapMethods("/{relation}", [HttpMethods.Options], (HttpContext http, string relation) => RelationOptions.HandleAsync(http, relation));
        group.MapMethods("/rpc/{function}", [HttpMethods.Options], (HttpContext http, string function) => RelationOptions.HandleRpcAsync(http, function));
        group.MapMethods("/", [HttpMethods.Get, HttpMethods.Head], (HttpContext http) => OpenApiRoot.HandleAsync(http));
        // Last resort (a higher order loses to every route above): other verbs, and paths PostgREST does not serve.
        group.Map("/{relation}", UnsupportedMethod.HandleAsync).WithOrder(1);
        group.Map("/rpc/{function}", UnsupportedMethod.HandleAsync).WithOrder(1);
        group.Map("/{**path}", InvalidPath.HandleAsync).WithOrder(2);
        return group;
    }
}
