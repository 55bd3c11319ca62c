using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Supacs.Storage.Http;
using Supacs.Storage.Tus;

namespace Supacs.Storage.Endpoints.Resumable;

/// <summary>HEAD /upload/resumable/{id}: the current Upload-Offset and Upload-Length, never cached.</summary>
internal static class UploadStatus
{
    public static void Map(IEndpointRouteBuilder g)
    {
        g.Map("HEAD", "/upload/resumable/{id}", HandleAsync);
        g.Map("HEAD", "/upload/resumable/sign/{id}", HandleAsync);
    }

    private static Task HandleAsync(HttpContext ctx) => Resumable.RunAsync(ctx, async () =>
    {
        var id = ctx.Route("id");
        var parsed = TusHeaders.ParseUploadId(id) ?? throw new StorageError("404", "NoSuchUpload", "Upload not found", "NoSuchUpload");
        var (req, _, _) = await Resumable.AuthorizeAsync(ctx, parsed.Bucket, parsed.Name);
        var upload = await Resumable.LoadAsync(req, id);
        ctx.Response.Headers.CacheControl = "no-store";
        ctx.Response.Headers["Upload-Offset"] = (await req.State.Tus.OffsetAsync(id, req.Aborted)).ToString(CultureInfo.InvariantCulture);
        if (upload.Deferred) ctx.Response.Headers["Upload-Defer-Length"] = "1";
        else ctx.Response.Headers["Upload-Length"] = upload.Length.ToString(CultureInfo.InvariantCulture);
        ctx.Response.StatusCode = StatusCodes.Status200OK;
    });
}
