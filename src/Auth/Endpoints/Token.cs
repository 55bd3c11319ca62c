using Microsoft.AspNetCore.Routing;
using Supacs.Auth.Http;
using Supacs.Auth.Limits;

namespace Supacs.Auth.Endpoints;

/// <summary>POST /token?grant_type=…: dispatches to the grant's handler.</summary>
internal static class Token
{
    public static void Map(IEndpointRouteBuilder group) => group.MapAuth("POST", "/token", req =>
    {
        RateLimits.Check(req, "token");
        return Dispatch(req);
    });

    private static Task Dispatch(AuthRequest req) => req.Query("grant_type") switch
    {

        "password" => TokenPassword.HandleAsync(req),
        "refresh_token" => TokenRefresh.HandleAsync(req),
        "pkce" => TokenPkce.HandleAsync(req),
        "id_token" => TokenIdToken.HandleAsync(req),
        _ => throw AuthException.BadRequest("invalid_credentials", "unsupported_grant_type"),
    };
}
