using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Supacs.Storage.Data;
using Supacs.Storage.Http;

namespace Supacs.Storage.Endpoints.Objects;

/// <summary>
/// The body move and copy share, {bucketId, sourceKey, destinationKey, destinationBucket?}, with keys validated,
/// and the copy step they share with the S3 protocol's CopyObject.
/// </summary>
internal sealed record ObjectTransfer(StorageRequest Req, JsonElement Body, string Bucket, string Source, string DestBucket, string Dest)
{
    public static async Task<ObjectTransfer> ReadAsync(HttpContext ctx)
    {
        var req = await StorageRequest.CreateAsync(ctx, AuthMode.Required);
        var body = await Json.ReadBodyAsync(ctx.Request);
        var unicode = req.State.Options.UnicodeKeys;
        var bucket = Json.String(body, "bucketId") ?? throw StorageError.MissingParameter("bucketId");
        var source = Names.Key(Json.String(body, "sourceKey") ?? throw StorageError.MissingParameter("sourceKey"), unicode);
        var dest = Names.Key(Json.String(body, "destinationKey") ?? throw StorageError.MissingParameter("destinationKey"), unicode);
        return new ObjectTransfer(req, body, bucket, source, Json.String(body, "destinationBucket") ?? bucket, dest);
    }

    /// <summary>
    /// Copies <paramref name="src"/> to <paramref name="destBucket"/>/<paramref name="dest"/> as upstream does: the destination
    /// write probed as the caller (bucket limits and MIME types of the destination apply), the bytes copied server-side into
    /// a new version, and the row written as service_role. Returns the new row id and version.
    /// </summary>
    public static async Task<(Guid Id, string Version)> CopyAsync(StorageRequest req, StoredObject src, string destBucket, string dest, bool upsert,
        ObjectMetadata metadata, string? userMetadata, string operation)
    {
        var sub = req.Identity.Subject;
        await ObjectWriter.CheckAsync(req, destBucket, dest, upsert, metadata.ContentType, metadata.CacheControl, metadata.Size, userMetadata, sub,
            probeAsCaller: true, operation);
        if (src.Version is null) throw StorageError.ObjectNotFound();
        var version = Guid.NewGuid().ToString();
        try
        {
            await req.State.Blobs.CopyAsync(src.Blob, new Blobs.BlobKey(destBucket, dest, version), req.Aborted);
        }
        catch (Blobs.BlobNotFoundException)
        {
            throw StorageError.ObjectNotFound();
        }
        var id = await ObjectWriter.CommitRowAsync(req, destBucket, dest, upsert, sub, metadata, userMetadata, version, operation);
        return (id, version);
    }
}
