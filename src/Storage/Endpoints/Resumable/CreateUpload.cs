using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Supacs.Storage.Endpoints.Objects;
using Supacs.Storage.Http;
using Supacs.Storage.Tus;

namespace Supacs.Storage.Endpoints.Resumable;

/// <summary>
/// POST /upload/resumable (and /upload/resumable/sign with x-signature): TUS creation (+ creation-with-upload).
/// Upload-Metadata carries bucketName, objectName, contentType, cacheControl, metadata; RLS is probed as the caller.
/// Replies 201 with an absolute Location ending in base64url("bucket/object/version").
/// </summary>
internal static class CreateUpload
{
    public static void Map(IEndpointRouteBuilder g)
    {
        g.Map("POST", "/upload/resumable", HandleAsync);
        g.Map("POST", "/upload/resumable/sign", HandleAsync);
    }

    private static Task HandleAsync(HttpContext ctx) => Resumable.RunAsync(ctx, async () =>
    {
        var h = ctx.Request.Headers;
        var deferred = h.ContainsKey("Upload-Defer-Length");
        if (deferred && (h["Upload-Defer-Length"].ToString() != "1" || h.ContainsKey("Upload-Length")))
            throw StorageError.InvalidRequest("Upload-Defer-Length must be 1 and comes without Upload-Length");
        long length = -1;
        if (!deferred && !long.TryParse(h["Upload-Length"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out length))
            throw StorageError.InvalidRequest("Upload-Length header is required");
        var meta = TusHeaders.ParseMetadata(h["Upload-Metadata"].ToString()) ?? throw StorageError.InvalidRequest("Invalid Upload-Metadata");
        if (!meta.TryGetValue("bucketName", out var bucket) || bucket.Length == 0) throw StorageError.InvalidRequest("Metadata bucketName is required");
        if (!meta.TryGetValue("objectName", out var name) || name.Length == 0) throw StorageError.InvalidRequest("Metadata objectName is required");
        var contentType = meta.TryGetValue("contentType", out var ct) && ct.Length > 0 ? ct : "application/octet-stream";
        var cacheControl = meta.TryGetValue("cacheControl", out var cc) && cc.Length > 0 && cc.All(char.IsAsciiDigit) ? "max-age=" + cc : "no-cache";
        string? userMetadata = null;
        if (meta.TryGetValue("metadata", out var um) && um.Length > 0)
            userMetadata = UploadBody.DecodeMetadataHeader(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(um)));

        var (req, owner, tokenUpsert) = await Resumable.AuthorizeAsync(ctx, bucket, name);
        var upsert = tokenUpsert ?? string.Equals(h["x-upsert"].ToString(), "true", StringComparison.OrdinalIgnoreCase);
        var limit = await ObjectWriter.CheckAsync(req, bucket, name, upsert, contentType, cacheControl, deferred ? null : length, userMetadata, owner,
            probeAsCaller: tokenUpsert is null, "storage.object.upload");

        var version = Guid.NewGuid().ToString();
        var id = TusHeaders.UploadId(bucket, name, version);
        var expires = DateTime.UtcNow + TusLock.Expiry;
        await req.State.Tus.CreateAsync(new TusUpload(id, bucket, name, version, length, contentType, cacheControl, userMetadata, owner, upsert,
            tokenUpsert is not null, expires, limit), req.Aborted);

        ctx.Response.Headers.Location = PublicBase(ctx) + "/" + id;
        ctx.Response.Headers["Upload-Expires"] = expires.ToString("R", CultureInfo.InvariantCulture);
        var withData = (ctx.Request.ContentType ?? "").StartsWith(TusHeaders.OffsetContentType, StringComparison.OrdinalIgnoreCase);
        if (withData || length == 0)
        {
            var offset = await Resumable.AppendAsync(ctx, req, (await req.State.Tus.LoadAsync(id, req.Aborted))!, 0);
            ctx.Response.Headers["Upload-Offset"] = offset.ToString(CultureInfo.InvariantCulture);
        }
        ctx.Response.StatusCode = StatusCodes.Status201Created;
    });

    /// <summary>
    /// The absolute URL of this endpoint: STORAGE_PUBLIC_URL (the storage root, e.g. https://host/storage/v1) when set,
    /// else as the client reached it (X-Forwarded-Proto/Host respected).
    /// </summary>
    private static string PublicBase(HttpContext ctx)
    {
        if (Environment.GetEnvironmentVariable("STORAGE_PUBLIC_URL") is { Length: > 0 } publicUrl)
        {
            var path = ctx.Request.Path.Value!;
            var i = path.IndexOf("/upload/resumable", StringComparison.Ordinal);
            return publicUrl.TrimEnd('/') + path[i..].TrimEnd('/');
        }
        var h = ctx.Request.Headers;
        var proto = h["X-Forwarded-Proto"].ToString() is { Length: > 0 } p ? p.Split(',')[0].Trim() : ctx.Request.Scheme;
        var host = h["X-Forwarded-Host"].ToString() is { Length: > 0 } fh ? fh.Split(',')[0].Trim() : ctx.Request.Host.Value;
        return $"{proto}://{host}{ctx.Request.PathBase}{ctx.Request.Path.Value!.TrimEnd('/')}";
    }
}
