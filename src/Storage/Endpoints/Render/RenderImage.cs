using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Supacs.Storage.Endpoints.Objects;
using Supacs.Storage.Http;
using Supacs.Storage.Images;

namespace Supacs.Storage.Endpoints.Render;

/// <summary>
/// GET /render/image/authenticated|public|sign/{bucket}/{*name}: the object read with the same access rules as
/// downloads, resized/re-encoded with SkiaSharp. Signed URLs carry their transformations in the token.
/// </summary>
internal static class RenderImage
{
    public static void Map(IEndpointRouteBuilder g)
    {
        g.Map("GET", "/render/image/authenticated/{bucket}/{**name}", ctx => HandleAsync(ctx, AuthMode.Required, ReadAccess.Caller));
        g.Map("GET", "/render/image/public/{bucket}/{**name}", ctx => HandleAsync(ctx, AuthMode.None, ReadAccess.Public));
        g.Map("GET", "/render/image/sign/{bucket}/{**name}", ctx => HandleAsync(ctx, AuthMode.None, ReadAccess.Signed));
    }

    private static async Task HandleAsync(HttpContext ctx, AuthMode auth, ReadAccess access)
    {
        var req = await StorageRequest.CreateAsync(ctx, auth);
        var bucket = ctx.Route("bucket");
        var key = ctx.Route("name");
        TransformOptions options;
        DateTimeOffset? expires = null;
        if (access == ReadAccess.Signed)
        {
            var claims = await SignedTokens.VerifyAsync(req.Project, ctx.Request.Query["token"], bucket + "/" + key, TokenScope.Download);
            options = TransformOptions.FromTokenString(Json.String(claims, "transformations"));
            expires = ObjectReader.TokenExpiry(claims);
        }
        else options = TransformOptions.FromQuery(ctx.Request.Query);
        var obj = await ObjectReader.FindAsync(req, bucket, key, access, "storage.object.render");
        if (obj.Version is null) throw StorageError.ObjectNotFound();
        var size = obj.Metadata.Size;
        if (size > ImageTransformer.MaxSourceBytes)
            throw new StorageError("413", "Payload too large", "The image is too large to transform", "EntityTooLarge");
        var source = new byte[size];
        try
        {
            await using var content = await req.State.Blobs.OpenAsync(obj.Blob, 0, size, req.Aborted);
            await using var stream = content.OpenStream();
            await stream.ReadExactlyAsync(source, req.Aborted);
        }
        catch (Blobs.BlobNotFoundException)
        {
            throw StorageError.ObjectNotFound();
        }
        var (data, type) = ImageTransformer.Transform(source, options, ctx.Request.Headers.Accept.ToString());
        var m = obj.Metadata;
        ctx.Response.ContentType = type;
        ctx.Response.ContentLength = data.Length;
        if (expires is { } exp) ctx.Response.Headers.Expires = exp.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        else ctx.Response.Headers.CacheControl = m.CacheControl;
        ctx.Response.Headers.LastModified = m.LastModified.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        ctx.Response.Headers["X-Transformations"] = options.ToTokenString();
        await ctx.Response.Body.WriteAsync(data, req.Aborted);
    }
}
