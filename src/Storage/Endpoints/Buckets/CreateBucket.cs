using Microsoft.AspNetCore.Routing;
using NpgsqlTypes;
using Supacs.Storage.Data;
using Supacs.Storage.Http;

namespace Supacs.Storage.Endpoints.Buckets;

/// <summary>POST /bucket: inserted as the caller, so RLS on storage.buckets decides. Replies {"name": …}.</summary>
internal static class CreateBucket
{
    public static void Map(IEndpointRouteBuilder g) => g.Map("POST", "/bucket", async ctx =>
    {
        var req = await StorageRequest.CreateAsync(ctx, AuthMode.Required);
        var body = await Json.ReadBodyAsync(ctx.Request);
        var name = Json.String(body, "name") ?? throw StorageError.MissingParameter("name");
        Names.Bucket(name);
        var id = Json.String(body, "id") ?? name;
        Names.Bucket(id);
        var settings = BucketSettings.From(body, req.State.Options.FileSizeLimit);
        var type = Json.String(body, "type") is { } t && t.Equals("ANALYTICS", StringComparison.OrdinalIgnoreCase) ? "ANALYTICS" : "STANDARD";
        var sub = req.Identity.Subject;

        await using var scope = await req.BeginAsync("storage.bucket.create");
        await using (var cmd = await scope.CommandAsync(
            "INSERT INTO storage.buckets (id, name, owner, owner_id, public, file_size_limit, allowed_mime_types, type) " +
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8::storage.buckettype)",
            id, name, Guid.TryParse(sub, out var owner) ? owner : null, sub, settings.Public ?? false,
            settings.FileSizeLimit, settings.AllowedMimeTypes, type))
        {
            cmd.Parameters[2].NpgsqlDbType = NpgsqlDbType.Uuid;
            cmd.Parameters[3].NpgsqlDbType = NpgsqlDbType.Text;
            cmd.Parameters[5].NpgsqlDbType = NpgsqlDbType.Bigint;
            cmd.Parameters[6].NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text;
            try
            {
                await cmd.ExecuteNonQueryAsync(req.Aborted);
            }
            catch (Npgsql.PostgresException e) when (e.SqlState == "23505")
            {
                throw StorageError.Duplicate("BucketAlreadyExists");
            }
        }
        await scope.CommitAsync();
        await Json.WriteAsync(ctx.Response, w =>
        {
            w.WriteStartObject();
            w.WriteString("name", id);
            w.WriteEndObject();
        });
    });
}
