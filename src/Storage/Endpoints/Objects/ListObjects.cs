using Microsoft.AspNetCore.Routing;
using Supacs.Storage.Http;

namespace Supacs.Storage.Endpoints.Objects;

/// <summary>
/// POST /object/list/{bucket} {prefix, limit, offset, sortBy, search}: one folder level through
/// storage.search run as the caller, so RLS filters the rows; folders come back with id null.
/// </summary>
internal static class ListObjects
{
    public static void Map(IEndpointRouteBuilder g) => g.Map("POST", "/object/list/{bucket}", async ctx =>
    {
        var req = await StorageRequest.CreateAsync(ctx, AuthMode.Required);
        var body = await Json.ReadBodyAsync(ctx.Request);
        var prefix = Json.String(body, "prefix") ?? throw StorageError.MissingParameter("prefix");
        var limit = Math.Clamp(Json.Int(body, "limit") ?? 100, 1, 1500);
        var offset = Math.Max(Json.Int(body, "offset") ?? 0, 0);
        var search = Json.String(body, "search") ?? "";
        string column = "name", order = "asc";
        if (body.TryGetProperty("sortBy", out var sort) && sort.ValueKind == System.Text.Json.JsonValueKind.Object)
        {
            column = Json.String(sort, "column") ?? column;
            order = Json.String(sort, "order") ?? order;
        }
        if (prefix.Length > 0 && !prefix.EndsWith('/')) prefix += "/";
        var levels = prefix.Split('/').Length;

        await using var scope = await req.BeginAsync("storage.object.list");
        await using var cmd = await scope.CommandAsync(
            "SELECT name, id, updated_at, created_at, last_accessed_at, metadata::text FROM storage.search($1, $2, $3, $4, $5, $6, $7, $8)",
            prefix, ctx.Route("bucket"), limit, levels, offset, search, column, order);
        var rows = new List<(string Name, Guid? Id, DateTime? U, DateTime? C, DateTime? A, string? M)>();
        await using (var r = await cmd.ExecuteReaderAsync(req.Aborted))
            while (await r.ReadAsync(req.Aborted))
                rows.Add((r.GetString(0), r.IsDBNull(1) ? null : r.GetGuid(1), r.IsDBNull(2) ? null : r.GetDateTime(2),
                    r.IsDBNull(3) ? null : r.GetDateTime(3), r.IsDBNull(4) ? null : r.GetDateTime(4), r.IsDBNull(5) ? null : r.GetString(5)));
        await Json.WriteAsync(ctx.Response, w =>
        {
            w.WriteStartArray();
            foreach (var row in rows)
            {
                w.WriteStartObject();
                w.WriteString("name", row.Name);
                if (row.Id is { } id) w.WriteString("id", id);
                else w.WriteNull("id");
                Json.WriteTime(w, "updated_at", row.U);
                Json.WriteTime(w, "created_at", row.C);
                Json.WriteTime(w, "last_accessed_at", row.A);
                Json.WriteRaw(w, "metadata", row.M);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
    });
}
