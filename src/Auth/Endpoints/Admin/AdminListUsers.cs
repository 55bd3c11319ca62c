using System.Globalization;
using Microsoft.AspNetCore.Routing;
using Supacs.Auth.Http;
using Supacs.Auth.Sessions;
using Supacs.Auth.Users;

namespace Supacs.Auth.Endpoints.Admin;

/// <summary>GET /admin/users?page&amp;per_page&amp;filter → {users, aud} with X-Total-Count and Link headers.</summary>
internal static class AdminListUsers
{
    public static void Map(IEndpointRouteBuilder group) => group.MapAuth("GET", "/admin/users", async req =>
    {
        await Authentication.RequireAdminAsync(req).ConfigureAwait(false);
        var page = AdminUsers.IntQuery(req, "page", 1);
        var perPage = Math.Min(AdminUsers.IntQuery(req, "per_page", 50), 1000);
        var filter = req.Query("filter") is { Length: > 0 } f ? f : null;
        await using var conn = await req.Db.OpenConnectionAsync(req.Aborted).ConfigureAwait(false);
        var total = await UserStore.CountAsync(conn, req.Options.JwtAud, filter, req.Aborted).ConfigureAwait(false);
        var users = await UserStore.ListAsync(conn, req.Options.JwtAud, filter, page, perPage, req.Aborted).ConfigureAwait(false);

        AdminUsers.WritePagingHeaders(req, total, page, perPage);

        await JsonResponse.WriteAsync(req.Http, 200, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("users");
            foreach (var u in users) UserJson.Write(w, u);
            w.WriteEndArray();
            w.WriteString("aud", req.Options.JwtAud);
            w.WriteEndObject();
        }).ConfigureAwait(false);
    });
}
