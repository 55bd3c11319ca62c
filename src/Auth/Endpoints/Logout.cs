using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;
using Supacs.Auth.Http;
using Supacs.Auth.Sessions;

namespace Supacs.Auth.Endpoints;

/// <summary>POST /logout?scope=global|local|others → 204; the deleted sessions' JWTs stop working at once.</summary>
internal static class Logout
{
    public static void Map(IEndpointRouteBuilder group) => group.MapAuth("POST", "/logout", async req =>
    {
        var scope = req.Query("scope") ?? "global";
        var sql = scope switch
        {
            "global" => "DELETE FROM auth.sessions WHERE user_id = $1",
            "local" => "DELETE FROM auth.sessions WHERE user_id = $1 AND id = $2",
            "others" => "DELETE FROM auth.sessions WHERE user_id = $1 AND id <> $2",
            _ => throw AuthException.Validation("Unsupported logout scope \"" + scope + "\""),
        };
        var caller = await Authentication.RequireUserAsync(req).ConfigureAwait(false);
        await using var conn = await req.Db.OpenConnectionAsync(req.Aborted).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand(sql, conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = caller.User.Id });
        cmd.Parameters.Add(new NpgsqlParameter { Value = caller.SessionId ?? Guid.Empty });
        await cmd.ExecuteNonQueryAsync(req.Aborted).ConfigureAwait(false);
        await Audit.AuditLog.WriteAsync(req, conn, null, caller.User, "logout", "account").ConfigureAwait(false);
        req.Http.Response.StatusCode = StatusCodes.Status204NoContent;
    });
}
