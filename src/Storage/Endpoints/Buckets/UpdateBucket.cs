using Microsoft.AspNetCore.Routing;
using NpgsqlTypes;
using Supacs.Storage.Http;

namespace Supacs.Storage.Endpoints.Buckets;

/// <summary>PUT /bucket/{id}: public, file_size_limit, allowed_mime_types, updated as the caller.</summary>
internal static class UpdateBucket
{
    public static void Map(IEndpointRouteBuilder g) => g.Map("PUT", "/bucket/{id}", async ctx =>
    {
        var req = await StorageRequest.CreateAsync(ctx, AuthMode.Required);
        var body = await Json.ReadBodyAsync(ctx.Request);
        var s = BucketSettings.From(body, req.State.Options.FileSizeLimit);
        await using var scope = await req.BeginAsync("storage.bucket.update");
        await using var cmd = await scope.CommandAsync(
            "UPDATE storage.buckets SET public = coalesce($2, public), " +
            "file_size_limit = CASE WHEN $3 THEN $4 ELSE file_size_limit END, " +
            "allowed_mime_types = CASE WHEN $5 THEN $6 ELSE allowed_mime_types END, updated_at = now() WHERE id = $1",
            ctx.Route("id"), s.Public, s.HasSizeLimit, s.FileSizeLimit, s.HasMimeTypes, s.AllowedMimeTypes);
        cmd.Parameters[1].NpgsqlDbType = NpgsqlDbType.Boolean;
        cmd.Parameters[3].NpgsqlDbType = NpgsqlDbType.Bigint;
        cmd.Parameters[5].NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text;
        if (await cmd.ExecuteNonQueryAsync(req.Aborted) == 0) throw StorageError.BucketNotFound();
        await scope.CommitAsync();
        await Json.MessageAsync(ctx.Response, "Successfully updated");
    });
}
