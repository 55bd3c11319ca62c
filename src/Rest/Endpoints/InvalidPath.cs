using Microsoft.AspNetCore.Http;
using Supacs.Rest.Http;

namespace Supacs.Rest.Endpoints;

/// <summary>A path that names no relation, function or the root (<c>/a/b</c>, <c>/rpc</c>): PGRST125 (404), as PostgREST v13.</summary>
internal static class InvalidPath
{
    public static Task HandleAsync(HttpContext http) =>
        RestResponses.WriteErrorAsync(http, new RestException(404, "PGRST125", "Invalid path specified in request URL", (string?)null));
}
