using Microsoft.AspNetCore.Http;
using Supacs.Rest.Http;

namespace Supacs.Rest.Endpoints;

/// <summary>PUT/PATCH/DELETE on /rpc/{function}: PGRST101.</summary>
internal static class MethodNotAllowed
{
    public static Task HandleAsync(HttpContext http) =>
        RestResponses.WriteErrorAsync(http, new RestException(405, "PGRST101", "Cannot use the " + http.Request.Method + " method on RPC", (string?)null));
}
