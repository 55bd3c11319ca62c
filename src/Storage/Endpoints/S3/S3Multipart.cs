using System.Globalization;
using System.Security.Cryptography;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http;
using Supacs.Storage.Blobs;
using Supacs.Storage.Data;
using Supacs.Storage.Endpoints.Objects;
using Supacs.Storage.Http;
using Supacs.Storage.S3;

namespace Supacs.Storage.Endpoints.S3;

/// <summary>
/// Multipart uploads kept in storage.s3_multipart_uploads(_parts) with part files under
/// DATA_DIR/storage/multiparts/UPLOAD/PART; the running size is checked against the bucket limit on every part,
/// and the object appears only on CompleteMultipartUpload.
/// </summary>
internal static class S3Multipart
{
    private sealed record Upload(string Id, string Bucket, string Key, string Version, string? Owner, long InProgress, string? Metadata, string? UserMetadata)
    {
        public BlobKey Blob => new(Bucket, Key, Version);
    }

    public static async Task CreateAsync(HttpContext ctx, StorageRequest req, string bucket, string key)
    {
        var h = ctx.Request.Headers;
        var contentType = h.ContentType.ToString() is { Length: > 0 } ct ? ct : "application/octet-stream";
        var cacheControl = h.CacheControl.ToString() is { Length: > 0 } cc ? cc : "no-cache";
        var userMetadata = S3Objects.UserMetadata(h);
        var sub = req.Identity.Subject;
        await ObjectWriter.CheckAsync(req, bucket, key, upsert: true, contentType, cacheControl, null, userMetadata, sub, probeAsCaller: true, "storage.s3.upload.create");
        var version = Guid.NewGuid().ToString();
        var id = await req.State.Blobs.CreateMultipartAsync(new BlobKey(bucket, key, version), contentType, cacheControl, req.Aborted);
        var meta = new ObjectMetadata(0, contentType, cacheControl, "", DateTime.UtcNow).ToJson();
        await using (var scope = await req.BeginAsync("storage.s3.upload.create"))
        {
            await scope.AsServiceAsync();
            await scope.ExecuteAsync(
                "INSERT INTO storage.s3_multipart_uploads (id, upload_signature, bucket_id, key, version, owner_id, metadata, user_metadata) " +
                "VALUES ($1, '', $2, $3, $4, $5, $6::jsonb, $7::jsonb)",
                id, bucket, key, version, Text(sub), meta, Text(userMetadata));
            await scope.CommitAsync();
        }
        await S3Xml.WriteAsync(ctx.Response, "InitiateMultipartUploadResult", w =>
        {
            w.WriteElementString("Bucket", S3Xml.Ns, bucket);
            w.WriteElementString("Key", S3Xml.Ns, key);
            w.WriteElementString("UploadId", S3Xml.Ns, id);
        });
    }

    public static async Task UploadPartAsync(HttpContext ctx, StorageRequest req, S3Caller caller, string bucket, string key)
    {
        var part = PartNumber(ctx);
        var upload = await FindAsync(req, ctx.Request.Query["uploadId"].ToString(), bucket, key);
        var limit = await LimitAsync(req, bucket);
        var signedHash = S3Auth.SignedPayloadHash(ctx);
        using var hashing = signedHash is null ? null : new HashingReadStream(S3Auth.Payload(ctx, caller));
        var written = await req.State.Blobs.UploadPartAsync(upload.Blob, upload.Id, part, hashing ?? S3Auth.Payload(ctx, caller),
            Math.Max(0, limit - upload.InProgress), req.Aborted);
        if (signedHash is not null && hashing!.HashHex() != signedHash) throw S3Objects.HashMismatch();
        await RecordPartAsync(req, upload, part, written, limit);
        ctx.Response.Headers.ETag = written.ETag;
        ctx.Response.StatusCode = 200;
    }

    /// <summary>
    /// UploadPartCopy (PUT ?partNumber&amp;uploadId with x-amz-copy-source[-range]): the source read as the caller, the
    /// bytes copied server-side into the part.
    /// </summary>
    public static async Task UploadPartCopyAsync(HttpContext ctx, StorageRequest req, string bucket, string key)
    {
        var part = PartNumber(ctx);
        var upload = await FindAsync(req, ctx.Request.Query["uploadId"].ToString(), bucket, key);
        var (srcBucket, srcKey) = S3Objects.CopySource(ctx);
        var src = await ObjectReader.FindAsync(req, srcBucket, srcKey, ReadAccess.Caller, "storage.s3.upload.part");
        if (src.Version is null) throw StorageError.ObjectNotFound();
        S3Objects.CheckCopySourceConditions(ctx, src.Metadata);
        var size = src.Metadata.Size;
        long offset = 0, count = size;
        var range = ctx.Request.Headers["x-amz-copy-source-range"].ToString();
        if (range.Length > 0 && !ObjectReader.TryParseRange(range, size, out offset, out count))
            throw new StorageError("416", "InvalidRange", "The requested range is not satisfiable", "InvalidRange");
        var limit = await LimitAsync(req, bucket);
        if (upload.InProgress + count > limit) throw StorageError.TooLarge();
        BlobWritten written;
        try
        {
            written = await req.State.Blobs.UploadPartCopyAsync(upload.Blob, upload.Id, part, src.Blob, offset, count, req.Aborted);
        }
        catch (BlobNotFoundException)
        {
            throw StorageError.ObjectNotFound();
        }
        await RecordPartAsync(req, upload, part, written, limit);
        await S3Xml.WriteAsync(ctx.Response, "CopyPartResult", w =>
        {
            w.WriteElementString("LastModified", S3Xml.Ns, S3Xml.Time(DateTime.UtcNow));
            w.WriteElementString("ETag", S3Xml.Ns, written.ETag);
        });
    }

    private static int PartNumber(HttpContext ctx) =>
        int.TryParse(ctx.Request.Query["partNumber"], CultureInfo.InvariantCulture, out var part) && part is >= 1 and <= 10000 ? part
            : throw new StorageError("400", "InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive", "InvalidArgument");

    private static async Task<long> LimitAsync(StorageRequest req, string bucket)
    {
        await using var scope = await req.BeginAsync("storage.s3.upload.part");
        var b = await Bucket.RequireAsServiceAsync(scope, bucket);
        return b.FileSizeLimit is { } bl ? Math.Min(bl, req.State.Options.FileSizeLimit) : req.State.Options.FileSizeLimit;
    }

    /// <summary>Records a stored part and the upload's running size (over the limit: 413, the part is not recorded).</summary>
    private static async Task RecordPartAsync(StorageRequest req, Upload upload, int part, BlobWritten written, long limit)
    {
        await using var scope = await req.BeginAsync("storage.s3.upload.part");
        await scope.AsServiceAsync();
        await using (var cmd = await scope.CommandAsync("SELECT in_progress_size FROM storage.s3_multipart_uploads WHERE id = $1 FOR UPDATE", upload.Id))
            if (await cmd.ExecuteScalarAsync(req.Aborted) is not long) throw NoSuchUpload();
        long old = 0;
        await using (var cmd = await scope.CommandAsync("DELETE FROM storage.s3_multipart_uploads_parts WHERE upload_id = $1 AND part_number = $2 RETURNING size", upload.Id, part))
            if (await cmd.ExecuteScalarAsync(req.Aborted) is long o) old = o;
        await using (var cmd = await scope.CommandAsync(
            "UPDATE storage.s3_multipart_uploads SET in_progress_size = in_progress_size + $2 WHERE id = $1 RETURNING in_progress_size", upload.Id, written.Size - old))
            if ((long)(await cmd.ExecuteScalarAsync(req.Aborted))! > limit) throw StorageError.TooLarge();
        await scope.ExecuteAsync(
            "INSERT INTO storage.s3_multipart_uploads_parts (upload_id, size, part_number, bucket_id, key, etag, owner_id, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            upload.Id, written.Size, part, upload.Bucket, upload.Key, written.ETag, Text(req.Identity.Subject), upload.Version);
        await scope.CommitAsync();
    }

    public static async Task CompleteAsync(HttpContext ctx, StorageRequest req, string bucket, string key)
    {
        var upload = await FindAsync(req, ctx.Request.Query["uploadId"].ToString(), bucket, key);
        var doc = await XDocument.LoadAsync(ctx.Request.Body, LoadOptions.None, req.Aborted);
        var requested = (doc.Root?.Elements().Where(e => e.Name.LocalName == "Part") ?? [])
            .Select(p => (Number: int.Parse(p.Elements().First(e => e.Name.LocalName == "PartNumber").Value, CultureInfo.InvariantCulture),
                          ETag: p.Elements().FirstOrDefault(e => e.Name.LocalName == "ETag")?.Value.Trim('"') ?? ""))
            .ToList();
        if (requested.Count == 0) throw new StorageError("400", "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema.", "MalformedXML");
        for (var i = 1; i < requested.Count; i++)
            if (requested[i].Number <= requested[i - 1].Number) throw new StorageError("400", "InvalidPartOrder", "The list of parts was not in ascending order.", "InvalidPartOrder");
        var stored = new Dictionary<int, string>();
        await using (var scope = await req.BeginAsync("storage.s3.upload.complete"))
        {
            await scope.AsServiceAsync();
            await using var cmd = await scope.CommandAsync("SELECT part_number, etag FROM storage.s3_multipart_uploads_parts WHERE upload_id = $1", upload.Id);
            await using var r = await cmd.ExecuteReaderAsync(req.Aborted);
            while (await r.ReadAsync(req.Aborted)) stored[r.GetInt32(0)] = r.GetString(1).Trim('"');
        }
        foreach (var (n, etag) in requested)
            if (!stored.TryGetValue(n, out var s) || s != etag)
                throw new StorageError("400", "InvalidPart", "One or more of the specified parts could not be found.", "InvalidPart");

        var written = await req.State.Blobs.CompleteMultipartAsync(upload.Blob, upload.Id,
            requested.Select(p => new BlobPart(p.Number, "\"" + p.ETag + "\"")).ToList(), req.Aborted);
        var finalETag = written.ETag;
        var m = ObjectMetadata.Parse(upload.Metadata, DateTime.UtcNow);
        var metadata = new ObjectMetadata(written.Size, m.ContentType, m.CacheControl, finalETag, DateTime.UtcNow);
        await ObjectWriter.CommitRowAsync(req, bucket, key, upsert: true, upload.Owner, metadata, upload.UserMetadata, upload.Version, "storage.s3.upload.complete");
        await RemoveAsync(req, upload, aborted: false);
        await S3Xml.WriteAsync(ctx.Response, "CompleteMultipartUploadResult", w =>
        {
            w.WriteElementString("Location", S3Xml.Ns, $"{ctx.Request.Scheme}://{ctx.Request.Host}{ctx.Request.PathBase}{ctx.Request.Path}");
            w.WriteElementString("Bucket", S3Xml.Ns, bucket);
            w.WriteElementString("Key", S3Xml.Ns, key);
            w.WriteElementString("ETag", S3Xml.Ns, finalETag);
        });
    }

    public static async Task AbortAsync(HttpContext ctx, StorageRequest req, string bucket, string key)
    {
        var upload = await FindAsync(req, ctx.Request.Query["uploadId"].ToString(), bucket, key);
        await RemoveAsync(req, upload, aborted: true);
        ctx.Response.StatusCode = 204;
    }

    public static async Task ListPartsAsync(HttpContext ctx, StorageRequest req, string bucket, string key)
    {
        var upload = await FindAsync(req, ctx.Request.Query["uploadId"].ToString(), bucket, key);
        var parts = new List<(int N, string ETag, long Size, DateTime At)>();
        await using (var scope = await req.BeginAsync("storage.s3.upload.parts"))
        {
            await scope.AsServiceAsync();
            await using var cmd = await scope.CommandAsync(
                "SELECT part_number, etag, size, created_at FROM storage.s3_multipart_uploads_parts WHERE upload_id = $1 ORDER BY part_number", upload.Id);
            await using var r = await cmd.ExecuteReaderAsync(req.Aborted);
            while (await r.ReadAsync(req.Aborted)) parts.Add((r.GetInt32(0), r.GetString(1), r.GetInt64(2), r.GetDateTime(3)));
        }
        await S3Xml.WriteAsync(ctx.Response, "ListPartsResult", w =>
        {
            w.WriteElementString("Bucket", S3Xml.Ns, bucket);
            w.WriteElementString("Key", S3Xml.Ns, key);
            w.WriteElementString("UploadId", S3Xml.Ns, upload.Id);
            w.WriteElementString("IsTruncated", S3Xml.Ns, "false");
            foreach (var p in parts)
            {
                w.WriteStartElement("Part", S3Xml.Ns);
                w.WriteElementString("PartNumber", S3Xml.Ns, p.N.ToString(CultureInfo.InvariantCulture));
                w.WriteElementString("LastModified", S3Xml.Ns, S3Xml.Time(p.At));
                w.WriteElementString("ETag", S3Xml.Ns, p.ETag);
                w.WriteElementString("Size", S3Xml.Ns, p.Size.ToString(CultureInfo.InvariantCulture));
                w.WriteEndElement();
            }
        });
    }

    public static async Task ListUploadsAsync(HttpContext ctx, StorageRequest req, string bucket)
    {
        var uploads = new List<(string Key, string Id, DateTime At)>();
        await using (var scope = await req.BeginAsync("storage.s3.upload.list"))
        {
            _ = await Bucket.RequireAsServiceAsync(scope, bucket);
            await scope.AsServiceAsync();
            await using var cmd = await scope.CommandAsync(
                "SELECT key, id, created_at FROM storage.s3_multipart_uploads WHERE bucket_id = $1 AND starts_with(key, $2) ORDER BY key, created_at LIMIT 1000",
                bucket, ctx.Request.Query["prefix"].ToString());
            await using var r = await cmd.ExecuteReaderAsync(req.Aborted);
            while (await r.ReadAsync(req.Aborted)) uploads.Add((r.GetString(0), r.GetString(1), r.GetDateTime(2)));
        }
        await S3Xml.WriteAsync(ctx.Response, "ListMultipartUploadsResult", w =>
        {
            w.WriteElementString("Bucket", S3Xml.Ns, bucket);
            w.WriteElementString("IsTruncated", S3Xml.Ns, "false");
            foreach (var u in uploads)
            {
                w.WriteStartElement("Upload", S3Xml.Ns);
                w.WriteElementString("Key", S3Xml.Ns, u.Key);
                w.WriteElementString("UploadId", S3Xml.Ns, u.Id);
                w.WriteElementString("Initiated", S3Xml.Ns, S3Xml.Time(u.At));
                w.WriteEndElement();
            }
        });
    }

    /// <summary>The upload, readable by its owner (or service_role) only; NoSuchUpload otherwise.</summary>
    private static async Task<Upload> FindAsync(StorageRequest req, string id, string bucket, string key)
    {
        await using var scope = await req.BeginAsync("storage.s3.upload.get");
        await scope.AsServiceAsync();
        await using var cmd = await scope.CommandAsync(
            "SELECT id, bucket_id, key, version, owner_id, in_progress_size, metadata::text, user_metadata::text FROM storage.s3_multipart_uploads WHERE id = $1 AND bucket_id = $2 AND key = $3",
            id, bucket, key);
        await using var r = await cmd.ExecuteReaderAsync(req.Aborted);
        if (!await r.ReadAsync(req.Aborted)) throw NoSuchUpload();
        var u = new Upload(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4), r.GetInt64(5),
            r.IsDBNull(6) ? null : r.GetString(6), r.IsDBNull(7) ? null : r.GetString(7));
        if (!req.Identity.IsServiceRole && u.Owner != req.Identity.Subject) throw NoSuchUpload();
        return u;
    }

    private static async Task RemoveAsync(StorageRequest req, Upload upload, bool aborted)
    {
        await using (var scope = await req.BeginAsync("storage.s3.upload.remove"))
        {
            await scope.AsServiceAsync();
            await scope.ExecuteAsync("DELETE FROM storage.s3_multipart_uploads WHERE id = $1", upload.Id);
            await scope.CommitAsync();
        }
        if (aborted) await req.State.Blobs.AbortMultipartAsync(upload.Blob, upload.Id, CancellationToken.None);
    }

    private static StorageError NoSuchUpload() =>
        new("404", "NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.", "NoSuchUpload");

    private static Npgsql.NpgsqlParameter Text(string? value) =>
        new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text };
}
