using Microsoft.AspNetCore.Routing;
using Supacs.Auth.Http;
using Supacs.Auth.Sessions;
using Supacs.Auth.Users;

namespace Supacs.Auth.Endpoints;

/// <summary>GET /user → the caller's User; refused once the JWT's session is gone.</summary>
internal static class GetUser
{
    public static void Map(IEndpointRouteBuilder group) => group.MapAuth("GET", "/user", async req =>
    {
        var caller = await Authentication.RequireUserAsync(req).ConfigureAwait(false);
        await JsonResponse.WriteAsync(req.Http, 200, w => UserJson.Write(w, caller.User)).ConfigureAwait(false);
    });
}
