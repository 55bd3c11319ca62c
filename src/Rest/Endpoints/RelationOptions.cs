using Microsoft.AspNetCore.Http;
using Supacs.Rest.Http;

namespace Supacs.Rest.Endpoints;

/// <summary>OPTIONS on a relation or function: the <c>Allow</c> header from what the schema cache says is possible.</summary>
internal static class RelationOptions
{
    public static Task HandleAsync(HttpContext http, string relation) => RestResponses.HandleAsync(http, async () =>
    {
        var req = await RestRequest.CreateAsync(http).ConfigureAwait(false);
        var rel = await req.WithCacheRetryAsync(cache => req.FindRelation(cache, relation)).ConfigureAwait(false);
        var allow = new List<string> { "OPTIONS", "GET", "HEAD" };
        if (rel.Insertable) allow.Add("POST");
        if (rel.Insertable && rel.Updatable && rel.PrimaryKey.Count > 0) allow.Add("PUT");
        if (rel.Updatable) allow.Add("PATCH");
        if (rel.Deletable) allow.Add("DELETE");
        http.Response.Headers.Allow = string.Join(",", allow);
        http.Response.StatusCode = 200;
    });

    public static Task HandleRpcAsync(HttpContext http, string function) => RestResponses.HandleAsync(http, async () =>
    {
        var req = await RestRequest.CreateAsync(http).ConfigureAwait(false);
        var fns = req.Cache.FindFunctions(req.Schema, function);
        if (fns.Count == 0)
            throw new RestException(404, "PGRST202", $"Could not find the function {req.Schema}.{function} in the schema cache", (string?)null);
        http.Response.Headers.Allow = fns.All(f => f.Volatility == 'v') ? "OPTIONS,POST" : "OPTIONS,GET,HEAD,POST";
        http.Response.StatusCode = 200;
    });
}
