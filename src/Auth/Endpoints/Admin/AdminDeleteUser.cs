using Microsoft.AspNetCore.Routing;
using Npgsql;
using Supacs.Auth.Http;
using Supacs.Auth.Sessions;

namespace Supacs.Auth.Endpoints.Admin;

/// <summary>DELETE /admin/users/{id} {should_soft_delete?} → {}. Soft delete keeps the row, anonymised, with deleted_at.</summary>
internal static class AdminDeleteUser
{
    public static void Map(IEndpointRouteBuilder group) => group.MapAuth("DELETE", "/admin/users/{id}", async req =>
    {
        await Authentication.RequireAdminAsync(req).ConfigureAwait(false);
        var id = AdminUsers.ParseId(req);
        var body = await req.BodyAsync().ConfigureAwait(false);
        var soft = AuthRequest.Bool(body, "should_soft_delete") == true;
        await using var conn = await req.Db.OpenConnectionAsync(req.Aborted).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(req.Aborted).ConfigureAwait(false);
        var deleted = await AdminUsers.LoadAsync(req, conn, tx, id).ConfigureAwait(false);
        await Audit.AuditLog.WriteAsync(req, conn, tx, deleted, "user_deleted", "team").ConfigureAwait(false);
        var sql = soft
            ? "DELETE FROM auth.sessions WHERE user_id = $1; DELETE FROM auth.identities WHERE user_id = $1; DELETE FROM auth.mfa_factors WHERE user_id = $1; " +
              "UPDATE auth.users SET deleted_at = now(), updated_at = now(), email = NULL, phone = NULL, encrypted_password = '', " +
              "raw_app_meta_data = '{}'::jsonb, raw_user_meta_data = '{}'::jsonb WHERE id = $1"
            : "DELETE FROM auth.users WHERE id = $1";
        await using (var batch = new NpgsqlBatch(conn, tx))
        {
            foreach (var statement in sql.Split("; "))
            {
                var cmd = new NpgsqlBatchCommand(statement);
                cmd.Parameters.Add(new NpgsqlParameter { Value = id });
                batch.BatchCommands.Add(cmd);
            }
            await batch.ExecuteNonQueryAsync(req.Aborted).ConfigureAwait(false);
        }
        await tx.CommitAsync(req.Aborted).ConfigureAwait(false);
        await JsonResponse.EmptyObjectAsync(req.Http).ConfigureAwait(false);
    });
}
