using Microsoft.AspNetCore.Routing;
using Npgsql;
using Supacs.Auth.Http;
using Supacs.Auth.Mfa;
using Supacs.Auth.Sessions;

namespace Supacs.Auth.Endpoints.Mfa;

/// <summary>DELETE /factors/{id} → {id}; a verified factor can only be removed from an aal2 session.</summary>
internal static class Unenroll
{
    public static void Map(IEndpointRouteBuilder group) => group.MapAuth("DELETE", "/factors/{factorId}", async req =>
    {
        await using var conn = await req.Db.OpenConnectionAsync(req.Aborted).ConfigureAwait(false);
        var caller = await Authentication.RequireUserAsync(req, conn).ConfigureAwait(false);
        var factor = FactorStore.RequireOwned(caller.User, req);
        if (factor.Status == "verified" && caller.Aal != "aal2")
            throw AuthException.Unprocessable("insufficient_aal", "AAL2 required to unenroll verified factor");
        await using (var cmd = new NpgsqlCommand("DELETE FROM auth.mfa_factors WHERE id = $1", conn))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = factor.Id });
            await cmd.ExecuteNonQueryAsync(req.Aborted).ConfigureAwait(false);
        }
        await Audit.AuditLog.WriteAsync(req, conn, null, caller.User, "factor_unenrolled", "factor", new System.Text.Json.Nodes.JsonObject
        {
            ["factor_id"] = factor.Id.ToString(), ["factor_status"] = factor.Status, ["session_id"] = caller.SessionId?.ToString(),
        }).ConfigureAwait(false);
        await JsonResponse.WriteAsync(req.Http, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("id", factor.Id);
            w.WriteEndObject();
        }).ConfigureAwait(false);
    });
}
