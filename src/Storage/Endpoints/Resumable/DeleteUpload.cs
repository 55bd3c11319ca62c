using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Supacs.Storage.Http;
using Supacs.Storage.Tus;

namespace Supacs.Storage.Endpoints.Resumable;

/// <summary>DELETE /upload/resumable/{id} (termination) and OPTIONS (the server's TUS capabilities).</summary>
internal static class DeleteUpload
{
    public static void Map(IEndpointRouteBuilder g)
    {
        g.Map("DELETE", "/upload/resumable/{id}", HandleAsync);
        g.Map("DELETE", "/upload/resumable/sign/{id}", HandleAsync);
        foreach (var pattern in new[] { "/upload/resumable", "/upload/resumable/{id}", "/upload/resumable/sign", "/upload/resumable/sign/{id}" })
            g.Map("OPTIONS", pattern, ctx =>
            {
                var h = ctx.Response.Headers;
                h["Tus-Resumable"] = TusHeaders.Version;
                h["Tus-Version"] = TusHeaders.Version;
                h["Tus-Extension"] = TusHeaders.Extensions;
                h["Tus-Max-Size"] = StorageState.Of(Supacs.Core.Projects.HttpContextProjectExtensions.GetSupacsProject(ctx))
                    .Options.FileSizeLimit.ToString(CultureInfo.InvariantCulture);
                ctx.Response.StatusCode = StatusCodes.Status204NoContent;
                return Task.CompletedTask;
            });
    }

    private static Task HandleAsync(HttpContext ctx) => Resumable.RunAsync(ctx, async () =>
    {
        var id = ctx.Route("id");
        var parsed = TusHeaders.ParseUploadId(id) ?? throw new StorageError("404", "NoSuchUpload", "Upload not found", "NoSuchUpload");
        var (req, _, _) = await Resumable.AuthorizeAsync(ctx, parsed.Bucket, parsed.Name);
        _ = await Resumable.LoadAsync(req, id);
        await using (await Resumable.LockAsync(req, id))
            await req.State.Tus.RemoveAsync(id);
        ctx.Response.StatusCode = StatusCodes.Status204NoContent;
    });
}
