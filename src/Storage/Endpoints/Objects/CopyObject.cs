using Microsoft.AspNetCore.Routing;
using Supacs.Storage.Data;
using Supacs.Storage.Http;

namespace Supacs.Storage.Endpoints.Objects;

/// <summary>
/// POST /object/copy {bucketId, sourceKey, destinationKey, destinationBucket?, copyMetadata?, metadata?}
/// (+ x-upsert, x-metadata): source read as the caller, then <see cref="ObjectTransfer.CopyAsync"/>.
/// </summary>
internal static class CopyObject
{
    public static void Map(IEndpointRouteBuilder g) => g.Map("POST", "/object/copy", async ctx =>
    {
        var t = await ObjectTransfer.ReadAsync(ctx);
        var req = t.Req;
        var upsert = string.Equals(ctx.Request.Headers["x-upsert"].ToString(), "true", StringComparison.OrdinalIgnoreCase);
        var headerMetadata = ctx.Request.Headers["x-metadata"].ToString();

        StoredObject src;
        await using (var scope = await req.BeginAsync("storage.object.copy"))
        {
            _ = await Bucket.RequireAsServiceAsync(scope, t.Bucket);
            src = await StoredObject.FindAsync(scope, t.Bucket, t.Source) ?? throw StorageError.ObjectNotFound();
        }
        var m = src.Metadata;
        if (t.Body.TryGetProperty("metadata", out var over) && over.ValueKind == System.Text.Json.JsonValueKind.Object)
            m = m with { ContentType = Json.String(over, "mimetype") ?? m.ContentType, CacheControl = Json.String(over, "cacheControl") ?? m.CacheControl };
        var copyMetadata = Json.Bool(t.Body, "copyMetadata") ?? true;
        var userMetadata = headerMetadata.Length > 0 ? UploadBody.DecodeMetadataHeader(headerMetadata) : copyMetadata ? src.UserMetadataJson : null;
        var metadata = m with { LastModified = DateTime.UtcNow };
        var (id, version) = await ObjectTransfer.CopyAsync(req, src, t.DestBucket, t.Dest, upsert, metadata, userMetadata, "storage.object.copy");
        await Json.WriteAsync(ctx.Response, w =>
        {
            w.WriteStartObject();
            w.WriteString("Id", id);
            w.WriteString("Key", t.DestBucket + "/" + t.Dest);
            w.WriteString("name", t.Dest);
            w.WriteString("bucket_id", t.DestBucket);
            w.WriteString("version", version);
            Json.WriteRaw(w, "metadata", metadata.ToJson());
            w.WriteEndObject();
        });
    });
}
