using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using NpgsqlTypes;
using Supacs.Storage.Http;

namespace Supacs.Storage.Endpoints.Objects;

/// <summary>
/// POST /object/list-v2/{bucket} {prefix?, limit? (≤1000), cursor?, with_delimiter?, sortBy?}: keyset-paginated
/// listing as the caller (RLS filters). With a delimiter, deeper keys fold into their folder ("a/b/").
/// The cursor is base64 of "l:&lt;last name&gt;\no:&lt;order&gt;\nc:&lt;column&gt;\na:&lt;last sort value&gt;", as upstream.
/// </summary>
internal static class ListObjectsV2
{
    public static void Map(IEndpointRouteBuilder g) => g.Map("POST", "/object/list-v2/{bucket}", async ctx =>
    {
        var req = await StorageRequest.CreateAsync(ctx, AuthMode.Required);
        var body = await Json.ReadBodyAsync(ctx.Request);
        var prefix = Json.String(body, "prefix") ?? "";
        var limit = Math.Clamp(Json.Int(body, "limit") ?? 1000, 1, 1000);
        var delimiter = Json.Bool(body, "with_delimiter") ?? false;
        string column = "name", order = "asc";
        if (body.TryGetProperty("sortBy", out var sort) && sort.ValueKind == JsonValueKind.Object)
        {
            column = Json.String(sort, "column") switch { "created_at" => "created_at", "updated_at" => "updated_at", _ => "name" };
            order = string.Equals(Json.String(sort, "order"), "desc", StringComparison.OrdinalIgnoreCase) ? "desc" : "asc";
        }
        if (delimiter) column = "name";
        string? afterName = null;
        DateTime? afterTime = null;
        if (Json.String(body, "cursor") is { Length: > 0 } cursor)
        {
            foreach (var line in Decode(cursor).Split('\n'))
            {
                if (line.StartsWith("l:", StringComparison.Ordinal)) afterName = line[2..];
                else if (line.StartsWith("a:", StringComparison.Ordinal) && DateTime.TryParse(line[2..], CultureInfo.InvariantCulture,
                    DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t)) afterTime = t;
            }
        }
        var cmp = order == "desc" ? "<" : ">";
        string sql;
        if (delimiter)
        {
            sql = $"""
                SELECT k, is_folder, id, metadata::text, created_at, updated_at, last_accessed_at, version FROM (
                  SELECT DISTINCT ON (k) * FROM (
                    SELECT CASE WHEN s > 0 THEN left(o.name, length($2) + s) ELSE o.name END COLLATE "C" AS k, s > 0 AS is_folder,
                           o.id, o.metadata, o.created_at, o.updated_at, o.last_accessed_at, o.version
                    FROM (SELECT *, position('/' IN substr(name, length($2) + 1)) AS s FROM storage.objects
                          WHERE bucket_id = $1 AND starts_with(name, $2)) o
                    WHERE ($3::text IS NULL OR (o.name COLLATE "C" {cmp} $3 AND NOT (right($3, 1) = '/' AND starts_with(o.name, $3))))
                  ) x ORDER BY k
                ) y ORDER BY k {order} LIMIT $4
                """;
        }
        else
        {
            var after = column == "name" || afterTime is null
                ? $"($3::text IS NULL OR name COLLATE \"C\" {cmp} $3)"
                : $"($3::text IS NULL OR ({column}, name COLLATE \"C\") {cmp} ($5::timestamptz, $3))";
            sql = $"""
                SELECT name COLLATE "C", false, id, metadata::text, created_at, updated_at, last_accessed_at, version FROM storage.objects
                WHERE bucket_id = $1 AND starts_with(name, $2) AND {after}
                ORDER BY {(column == "name" ? "" : column + " " + order + ", ")}name COLLATE "C" {order} LIMIT $4
                """;
        }
        var rows = new List<Row>();
        await using (var scope = await req.BeginAsync("storage.object.list"))
        {
            await using var cmd = await scope.CommandAsync(sql, ctx.Route("bucket"), prefix,
                new Npgsql.NpgsqlParameter { Value = (object?)afterName ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text }, limit + 1);
            if (!delimiter && column != "name" && afterTime is not null)
                cmd.Parameters.Add(new Npgsql.NpgsqlParameter { Value = afterTime.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            await using var r = await cmd.ExecuteReaderAsync(req.Aborted);
            while (await r.ReadAsync(req.Aborted))
                rows.Add(new Row(r.GetString(0), r.GetBoolean(1), r.IsDBNull(2) ? null : r.GetGuid(2), r.IsDBNull(3) ? null : r.GetString(3),
                    r.IsDBNull(4) ? null : r.GetDateTime(4), r.IsDBNull(5) ? null : r.GetDateTime(5), r.IsDBNull(6) ? null : r.GetDateTime(6),
                    r.IsDBNull(7) ? null : r.GetString(7)));
        }
        var hasNext = rows.Count > limit;
        if (hasNext) rows.RemoveAt(rows.Count - 1);
        await Json.WriteAsync(ctx.Response, w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("hasNext", hasNext);
            if (hasNext && rows.Count > 0)
            {
                var last = rows[^1];
                var time = column == "created_at" ? last.CreatedAt : column == "updated_at" ? last.UpdatedAt : null;
                var text = $"l:{last.Key}\no:{order}\nc:{column}" + (time is { } tv ? "\na:" + Json.Time(tv) : "");
                w.WriteString("nextCursor", Convert.ToBase64String(Encoding.UTF8.GetBytes(text)));
                w.WriteString("nextCursorKey", last.Key);
            }
            w.WriteStartArray("folders");
            foreach (var f in rows.Where(r => r.IsFolder))
            {
                w.WriteStartObject();
                w.WriteString("key", f.Key);
                w.WriteString("name", f.Key[prefix.Length..]);
                w.WriteNull("id");
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("objects");
            foreach (var o in rows.Where(r => !r.IsFolder))
            {
                w.WriteStartObject();
                w.WriteString("id", o.Id!.Value);
                w.WriteString("key", o.Key);
                w.WriteString("name", o.Key);
                w.WriteString("version", o.Version);
                Json.WriteRaw(w, "metadata", o.Metadata);
                Json.WriteTime(w, "created_at", o.CreatedAt);
                Json.WriteTime(w, "updated_at", o.UpdatedAt);
                Json.WriteTime(w, "last_accessed_at", o.LastAccessedAt);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    });

    private static string Decode(string cursor)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(cursor));
        }
        catch (FormatException)
        {
            throw StorageError.InvalidRequest("Invalid cursor");
        }
    }

    private sealed record Row(string Key, bool IsFolder, Guid? Id, string? Metadata, DateTime? CreatedAt, DateTime? UpdatedAt,
        DateTime? LastAccessedAt, string? Version);
}
