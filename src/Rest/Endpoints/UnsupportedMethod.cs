using Microsoft.AspNetCore.Http;
using Supacs.Rest.Http;

namespace Supacs.Rest.Endpoints;

/// <summary>A method PostgREST does not serve (TRACE, CONNECT, made-up verbs) on a relation or function: PGRST117 (405).</summary>
internal static class UnsupportedMethod
{
    public static Task HandleAsync(HttpContext http) =>
        RestResponses.WriteErrorAsync(http, new RestException(405, "PGRST117", "Unsupported HTTP method: " + http.Request.Method, (string?)null));
}
