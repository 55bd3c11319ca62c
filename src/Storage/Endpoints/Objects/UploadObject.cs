using Microsoft.AspNetCore.Routing;
using Supacs.Storage.Http;

namespace Supacs.Storage.Endpoints.Objects;

/// <summary>
/// POST /object/{bucket}/{*name} creates (x-upsert: true to replace) and PUT updates (always upsert).
/// Replies {"Id","Key"} as upstream, which storage-js turns into {id, path, fullPath}.
/// </summary>
internal static class UploadObject
{
    public static void Map(IEndpointRouteBuilder g)
    {
        g.Map("POST", "/object/{bucket}/{**name}", ctx => HandleAsync(ctx, update: false));
        g.Map("PUT", "/object/{bucket}/{**name}", ctx => HandleAsync(ctx, update: true));
    }

    private static async Task HandleAsync(Microsoft.AspNetCore.Http.HttpContext ctx, bool update)
    {
        var req = await StorageRequest.CreateAsync(ctx, AuthMode.Required);
        var bucket = ctx.Route("bucket");
        var key = ctx.Route("name");
        var upsert = update || string.Equals(ctx.Request.Headers["x-upsert"].ToString(), "true", StringComparison.OrdinalIgnoreCase);
        var body = await UploadBody.OpenAsync(ctx.Request, req.Aborted);
        var id = await ObjectWriter.UploadAsync(req, bucket, key, upsert, body, req.Identity.Subject, probeAsCaller: true,
            update ? "storage.object.update" : "storage.object.upload");
        await Json.WriteAsync(ctx.Response, w =>
        {
            w.WriteStartObject();
            w.WriteString("Id", id);
            w.WriteString("Key", bucket + "/" + key);
            w.WriteEndObject();
        });
    }
}
