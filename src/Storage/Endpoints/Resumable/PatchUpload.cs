using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Supacs.Storage.Endpoints.Objects;
using Supacs.Storage.Http;
using Supacs.Storage.Tus;

namespace Supacs.Storage.Endpoints.Resumable;

/// <summary>
/// PATCH /upload/resumable/{id}: appends at Upload-Offset (409 on mismatch), re-checking the caller's rights on every
/// PATCH as upstream; the object row appears only when the last byte has arrived. Replies 204 with Upload-Offset.
/// </summary>
internal static class PatchUpload
{
    public static void Map(IEndpointRouteBuilder g)
    {
        g.Map("PATCH", "/upload/resumable/{id}", HandleAsync);
        g.Map("PATCH", "/upload/resumable/sign/{id}", HandleAsync);
    }

    private static Task HandleAsync(HttpContext ctx) => Resumable.RunAsync(ctx, async () =>
    {
        var id = ctx.Route("id");
        var parsed = TusHeaders.ParseUploadId(id) ?? throw new StorageError("404", "NoSuchUpload", "Upload not found", "NoSuchUpload");
        var (req, owner, tokenUpsert) = await Resumable.AuthorizeAsync(ctx, parsed.Bucket, parsed.Name);
        var upload = await Resumable.LoadAsync(req, id);
        if (!(ctx.Request.ContentType ?? "").StartsWith(TusHeaders.OffsetContentType, StringComparison.OrdinalIgnoreCase))
            throw new StorageError("415", "Unsupported Media Type", "Content-Type must be application/offset+octet-stream", "InvalidRequest");
        if (!long.TryParse(ctx.Request.Headers["Upload-Offset"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
            throw StorageError.InvalidRequest("Upload-Offset header is required");
        long? declared = null;
        if (ctx.Request.Headers.ContainsKey("Upload-Length"))
        {
            if (!long.TryParse(ctx.Request.Headers["Upload-Length"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var l))
                throw StorageError.InvalidRequest("Invalid Upload-Length");
            declared = l;
        }
        if (tokenUpsert is null)
            await ObjectWriter.CheckAsync(req, upload.Bucket, upload.Name, upload.Upsert, upload.ContentType, upload.CacheControl,
                upload.Deferred ? declared : upload.Length, upload.UserMetadata, owner, probeAsCaller: true, "storage.object.upload");
        var newOffset = await Resumable.AppendAsync(ctx, req, upload, offset, declared);
        ctx.Response.Headers["Upload-Offset"] = newOffset.ToString(CultureInfo.InvariantCulture);
        ctx.Response.StatusCode = StatusCodes.Status204NoContent;
    });
}
