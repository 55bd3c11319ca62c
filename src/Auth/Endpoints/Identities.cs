using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;
using Supacs.Auth.Http;
using Supacs.Auth.Sessions;
using Supacs.Auth.Users;

namespace Supacs.Auth.Endpoints;

/// <summary>
/// GET /user/identities/authorize (manual linking: the provider URL for the signed-in user, or a redirect) and
/// DELETE /user/identities/{id} (unlink; the last identity cannot go).
/// </summary>
internal static class Identities
{
    public static void Map(IEndpointRouteBuilder group)
    {
        group.MapAuth("GET", "/user/identities/authorize", async req =>
        {
            var caller = await Authentication.RequireUserAsync(req).ConfigureAwait(false);
            if (!req.Options.ManualLinkingEnabled) throw AuthException.NotFound("manual_linking_disabled", "Manual linking is disabled");
            var url = await Authorize.ProviderUrlAsync(req, req.Query("provider") ?? "", caller.User.Id).ConfigureAwait(false);
            if (req.Query("skip_http_redirect") == "true")
            {
                await JsonResponse.WriteAsync(req.Http, 200, w =>
                {
                    w.WriteStartObject();
                    w.WriteString("url", url);
                    w.WriteEndObject();
                }).ConfigureAwait(false);
                return;
            }
            req.Http.Response.StatusCode = StatusCodes.Status302Found;
            req.Http.Response.Headers.Location = url;
        });

        group.MapAuth("DELETE", "/user/identities/{identityId}", async req =>
        {
            await using var conn = await req.Db.OpenConnectionAsync(req.Aborted).ConfigureAwait(false);
            await using var tx = await conn.BeginTransactionAsync(req.Aborted).ConfigureAwait(false);
            var caller = await Authentication.RequireUserAsync(req, conn, tx).ConfigureAwait(false);
            if (!req.Options.ManualLinkingEnabled) throw AuthException.NotFound("manual_linking_disabled", "Manual linking is disabled");
            var user = caller.User;
            var raw = req.Http.Request.RouteValues["identityId"]?.ToString();
            var identity = Guid.TryParse(raw, out var id) ? user.Identities.FirstOrDefault(i => i.Id == id) : null;
            if (identity is null) throw AuthException.NotFound("identity_not_found", "Identity doesn't exist");
            if (user.Identities.Count <= 1)
                throw AuthException.Unprocessable("single_identity_not_deletable", "User must have at least 1 identity after unlinking");
            await using (var cmd = new NpgsqlCommand("DELETE FROM auth.identities WHERE id = $1", conn, tx))
            {
                cmd.Parameters.Add(new NpgsqlParameter { Value = identity.Id });
                await cmd.ExecuteNonQueryAsync(req.Aborted).ConfigureAwait(false);
            }
            user.Identities.Remove(identity);
            await Audit.AuditLog.WriteAsync(req, conn, tx, user, "identity_unlinked", "user", new JsonObject
            {
                ["identity_id"] = identity.Id.ToString(), ["provider"] = identity.Provider, ["provider_id"] = identity.ProviderId,
            }).ConfigureAwait(false);
            var remaining = user.Identities.Select(i => i.Provider).Distinct(StringComparer.Ordinal).ToList();
            user.AppMetadata["providers"] = new JsonArray(remaining.Select(p => (JsonNode?)JsonValue.Create(p)).ToArray());
            if (user.AppMetadata["provider"]?.GetValue<string>() == identity.Provider && remaining.Count > 0) user.AppMetadata["provider"] = remaining[0];
            await UserStore.UpdateAsync(conn, tx, user, req.Aborted).ConfigureAwait(false);
            await tx.CommitAsync(req.Aborted).ConfigureAwait(false);
            await JsonResponse.EmptyObjectAsync(req.Http).ConfigureAwait(false);
        });
    }
}
