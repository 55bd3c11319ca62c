using Microsoft.AspNetCore.Routing;
using Supacs.Auth.Http;
using Supacs.Auth.Sessions;
using Supacs.Auth.Users;

namespace Supacs.Auth.Endpoints.Admin;

/// <summary>GET /admin/users/{id} → User, 404 user_not_found.</summary>
internal static class AdminGetUser
{
    public static void Map(IEndpointRouteBuilder group) => group.MapAuth("GET", "/admin/users/{id}", async req =>
    {
        await Authentication.RequireAdminAsync(req).ConfigureAwait(false);
        var id = AdminUsers.ParseId(req);
        await using var conn = await req.Db.OpenConnectionAsync(req.Aborted).ConfigureAwait(false);
        var user = await AdminUsers.LoadAsync(req, conn, null, id).ConfigureAwait(false);
        await JsonResponse.WriteAsync(req.Http, 200, w => UserJson.Write(w, user)).ConfigureAwait(false);
    });
}
