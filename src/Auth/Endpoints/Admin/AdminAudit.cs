using System.Globalization;
using Microsoft.AspNetCore.Routing;
using Npgsql;
using Supacs.Auth.Http;
using Supacs.Auth.Sessions;

namespace Supacs.Auth.Endpoints.Admin;

/// <summary>
/// GET /admin/audit?page&amp;per_page&amp;query=scope:value → auth.audit_log_entries, newest first, as
/// <c>[{instance_id, id, payload, created_at, ip_address}]</c> with X-Total-Count and Link headers. Scopes as GoTrue:
/// <c>author</c> (payload actor_username / actor_name), <c>action</c>, <c>type</c> (log_type); case-insensitive
/// substring match; another scope → 400 validation_failed "Invalid query scope".
/// </summary>
internal static class AdminAudit
{
    private static readonly Dictionary<string, string[]> Scopes = new(StringComparer.Ordinal)
    {
        ["author"] = ["actor_username", "actor_name"],
        ["action"] = ["action"],
        ["type"] = ["log_type"],
    };

    public static void Map(IEndpointRouteBuilder group) => group.MapAuth("GET", "/admin/audit", async req =>
    {
        await Authentication.RequireAdminAsync(req).ConfigureAwait(false);
        var page = AdminUsers.IntQuery(req, "page", 1);
        var perPage = Math.Min(AdminUsers.IntQuery(req, "per_page", 50), 1000);
        var where = "true";
        string? value = null;
        if (req.Query("query") is { Length: > 0 } q)
        {
            var parts = q.Split(':', 2);
            if (parts.Length < 2 || !Scopes.TryGetValue(parts[0], out var columns))
                throw AuthException.Validation("Invalid query scope: " + q);
            value = parts[1];
            where = "(" + string.Join(" OR ", columns.Select(c => $"payload->>'{c}' ILIKE '%' || $1 || '%'")) + ")";
        }
        await using var conn = await req.Db.OpenConnectionAsync(req.Aborted).ConfigureAwait(false);
        long total;
        await using (var count = new NpgsqlCommand($"SELECT count(*) FROM auth.audit_log_entries WHERE {where}", conn))
        {
            if (value is not null) count.Parameters.Add(new NpgsqlParameter { Value = value });
            total = (long)(await count.ExecuteScalarAsync(req.Aborted).ConfigureAwait(false))!;
        }
        var rows = new List<(Guid? Instance, Guid Id, string Payload, DateTime? Created, string Ip)>();
        var limit = value is null ? "$1" : "$2";
        var offset = value is null ? "$2" : "$3";
        await using (var cmd = new NpgsqlCommand(
            $"SELECT instance_id, id, coalesce(payload::text, 'null'), created_at, ip_address FROM auth.audit_log_entries WHERE {where} " +
            $"ORDER BY created_at DESC, id LIMIT {limit} OFFSET {offset}", conn))
        {
            if (value is not null) cmd.Parameters.Add(new NpgsqlParameter { Value = value });
            cmd.Parameters.Add(new NpgsqlParameter { Value = perPage });
            cmd.Parameters.Add(new NpgsqlParameter { Value = (long)(page - 1) * perPage });
            await using var r = await cmd.ExecuteReaderAsync(req.Aborted).ConfigureAwait(false);
            while (await r.ReadAsync(req.Aborted).ConfigureAwait(false))
                rows.Add((r.IsDBNull(0) ? null : r.GetGuid(0), r.GetGuid(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetDateTime(3), r.GetString(4)));
        }

        AdminUsers.WritePagingHeaders(req, total, page, perPage);

        await JsonResponse.WriteAsync(req.Http, 200, w =>
        {
            w.WriteStartArray();
            foreach (var row in rows)
            {
                w.WriteStartObject();
                if (row.Instance is { } instance) w.WriteString("instance_id", instance); else w.WriteNull("instance_id");
                w.WriteString("id", row.Id);
                w.WritePropertyName("payload");
                w.WriteRawValue(row.Payload);
                if (row.Created is { } created) w.WriteString("created_at", DateTime.SpecifyKind(created, DateTimeKind.Utc)); else w.WriteNull("created_at");
                w.WriteString("ip_address", row.Ip);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }).ConfigureAwait(false);
    });
}
