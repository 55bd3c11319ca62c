using Microsoft.AspNetCore.Routing;
using Supacs.Storage.Data;
using Supacs.Storage.Http;

namespace Supacs.Storage.Endpoints.Buckets;

/// <summary>GET /bucket: the buckets the caller's RLS lets it see, with limit/offset/sort/search.</summary>
internal static class ListBuckets
{
    public static void Map(IEndpointRouteBuilder g) => g.Map("GET", "/bucket", async ctx =>
    {
        var req = await StorageRequest.CreateAsync(ctx, AuthMode.Required);
        var q = ctx.Request.Query;
        var column = q["sortColumn"].ToString() switch
        {
            "id" => "id",
            "created_at" => "created_at",
            "updated_at" => "updated_at",
            _ => "name",
        };
        var order = string.Equals(q["sortOrder"].ToString(), "desc", StringComparison.OrdinalIgnoreCase) ? "DESC" : "ASC";
        var limit = int.TryParse(q["limit"], out var l) && l > 0 ? l : (int?)null;
        var offset = int.TryParse(q["offset"], out var o) && o > 0 ? o : 0;
        var search = q["search"].ToString();

        await using var scope = await req.BeginAsync("storage.bucket.list");
        await using var cmd = await scope.CommandAsync(
            $"SELECT {Bucket.Columns} FROM storage.buckets WHERE ($1 = '' OR name ILIKE '%' || $1 || '%') ORDER BY {column} {order} " +
            "LIMIT $2 OFFSET $3", search, (object?)limit, offset);
        cmd.Parameters[1].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer;
        var buckets = new List<Bucket>();
        await using (var r = await cmd.ExecuteReaderAsync(req.Aborted))
            while (await r.ReadAsync(req.Aborted)) buckets.Add(Bucket.Read(r));
        await Json.WriteAsync(ctx.Response, w =>
        {
            w.WriteStartArray();
            foreach (var b in buckets) b.Write(w, includeType: true);
            w.WriteEndArray();
        });
    });
}
