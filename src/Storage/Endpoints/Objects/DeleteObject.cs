using Microsoft.AspNetCore.Routing;
using Supacs.Storage.Data;
using Supacs.Storage.Http;

namespace Supacs.Storage.Endpoints.Objects;

/// <summary>DELETE /object/{bucket}/{*name}: deleted as the caller (SELECT + DELETE policies); blob removed after commit.</summary>
internal static class DeleteObject
{
    public static void Map(IEndpointRouteBuilder g) => g.Map("DELETE", "/object/{bucket}/{**name}", async ctx =>
    {
        var req = await StorageRequest.CreateAsync(ctx, AuthMode.Required);
        var bucket = ctx.Route("bucket");
        var key = Names.Key(ctx.Route("name"), req.State.Options.UnicodeKeys);
        await using var scope = await req.BeginAsync("storage.object.delete");
        _ = await Bucket.RequireAsServiceAsync(scope, bucket);
        string? version = null;
        var deleted = false;
        await using (var cmd = await scope.CommandAsync("DELETE FROM storage.objects WHERE bucket_id = $1 AND name = $2 RETURNING version", bucket, key))
        await using (var r = await cmd.ExecuteReaderAsync(req.Aborted))
            if (await r.ReadAsync(req.Aborted))
            {
                deleted = true;
                version = r.IsDBNull(0) ? null : r.GetString(0);
            }
        if (!deleted)
        {
            await scope.AsServiceAsync();
            var exists = await StoredObject.FindAsync(scope, bucket, key) is not null;
            throw exists ? StorageError.AccessDenied("Access denied") : StorageError.ObjectNotFound();
        }
        await scope.CommitAsync();
        if (version is not null) await req.State.Blobs.DeleteAsync([new Blobs.BlobKey(bucket, key, version)], CancellationToken.None);
        await Json.MessageAsync(ctx.Response, "Successfully deleted");
    });
}
