using Microsoft.AspNetCore.Routing;
using Npgsql;
using Supacs.Auth.Http;
using Supacs.Auth.Sessions;
using Supacs.Auth.Users;

namespace Supacs.Auth.Endpoints.Admin;

/// <summary>GET /admin/users/{id}/factors → the user's factors; DELETE …/factors/{factorId} → the deleted factor.</summary>
internal static class AdminFactors
{
    public static void Map(IEndpointRouteBuilder group)
    {
        group.MapAuth("GET", "/admin/users/{id}/factors", async req =>
        {
            await Authentication.RequireAdminAsync(req).ConfigureAwait(false);
            await using var conn = await req.Db.OpenConnectionAsync(req.Aborted).ConfigureAwait(false);
            var user = await AdminUsers.LoadAsync(req, conn, null, AdminUsers.ParseId(req)).ConfigureAwait(false);
            await JsonResponse.WriteAsync(req.Http, 200, w =>
            {
                w.WriteStartArray();
                foreach (var f in user.Factors) UserJson.WriteFactor(w, f);
                w.WriteEndArray();
            }).ConfigureAwait(false);
        });
        group.MapAuth("DELETE", "/admin/users/{id}/factors/{factorId}", async req =>
        {
            await Authentication.RequireAdminAsync(req).ConfigureAwait(false);
            await using var conn = await req.Db.OpenConnectionAsync(req.Aborted).ConfigureAwait(false);
            var user = await AdminUsers.LoadAsync(req, conn, null, AdminUsers.ParseId(req)).ConfigureAwait(false);
            var factor = Supacs.Auth.Mfa.FactorStore.RequireOwned(user, req);
            await using (var cmd = new NpgsqlCommand("DELETE FROM auth.mfa_factors WHERE id = $1", conn))
            {
                cmd.Parameters.Add(new NpgsqlParameter { Value = factor.Id });
                await cmd.ExecuteNonQueryAsync(req.Aborted).ConfigureAwait(false);
            }
            await Audit.AuditLog.WriteAsync(req, conn, null, user, "factor_deleted", "factor", new System.Text.Json.Nodes.JsonObject
            {
                ["factor_id"] = factor.Id.ToString(),
            }).ConfigureAwait(false);
            await JsonResponse.WriteAsync(req.Http, 200, w => UserJson.WriteFactor(w, factor)).ConfigureAwait(false);
        });
    }
}
