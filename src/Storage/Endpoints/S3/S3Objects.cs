using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http;
using Supacs.Storage.Blobs;
using Supacs.Storage.Data;
using Supacs.Storage.Endpoints.Objects;
using Supacs.Storage.Http;
using Supacs.Storage.S3;

namespace Supacs.Storage.Endpoints.S3;

/// <summary>PutObject, GetObject/HeadObject, DeleteObject, DeleteObjects, CopyObject, GetObjectTagging.</summary>
internal static class S3Objects
{
    public static async Task PutAsync(HttpContext ctx, StorageRequest req, S3Caller caller, string bucket, string key)
    {
        var h = ctx.Request.Headers;
        var contentType = h.ContentType.ToString() is { Length: > 0 } ct ? ct : "application/octet-stream";
        var cacheControl = h.CacheControl.ToString() is { Length: > 0 } cc ? cc : "no-cache";
        var userMetadata = UserMetadata(h);
        var sub = req.Identity.Subject;
        var limit = await ObjectWriter.CheckAsync(req, bucket, key, upsert: true, contentType, cacheControl, S3Auth.PayloadLength(ctx), userMetadata,
            sub, probeAsCaller: true, "storage.s3.object.put");
        var signedHash = S3Auth.SignedPayloadHash(ctx);
        using var hashing = signedHash is null ? null : new HashingReadStream(S3Auth.Payload(ctx, caller));
        var version = Guid.NewGuid().ToString();
        var blob = new BlobKey(bucket, key, version);
        var written = await req.State.Blobs.PutAsync(blob, hashing ?? S3Auth.Payload(ctx, caller), limit, contentType, cacheControl, req.Aborted);
        if (signedHash is not null && hashing!.HashHex() != signedHash)
        {
            await req.State.Blobs.DeleteAsync([blob], CancellationToken.None);
            throw HashMismatch();
        }
        var metadata = new ObjectMetadata(written.Size, contentType, cacheControl, written.ETag, DateTime.UtcNow);
        await ObjectWriter.CommitRowAsync(req, bucket, key, upsert: true, sub, metadata, userMetadata, version, "storage.s3.object.put");
        ctx.Response.Headers.ETag = written.ETag;
        ctx.Response.StatusCode = 200;
    }

    /// <summary>GetObject's response-* query parameters and the headers they set on a successful answer.</summary>
    private static readonly (string Query, string Header)[] ResponseOverrides =
    [
        ("response-content-type", "Content-Type"), ("response-content-language", "Content-Language"), ("response-expires", "Expires"),
        ("response-cache-control", "Cache-Control"), ("response-content-disposition", "Content-Disposition"),
        ("response-content-encoding", "Content-Encoding"),
    ];

    public static async Task GetAsync(HttpContext ctx, StorageRequest req, string bucket, string key)
    {
        var overrides = ResponseOverrides.Where(o => ctx.Request.Query.ContainsKey(o.Query))
            .Select(o => (o.Header, Value: ctx.Request.Query[o.Query].ToString())).ToList();
        if (overrides.Count > 0)
            ctx.Response.OnStarting(() =>
            {
                if (ctx.Response.StatusCode is 200 or 206)
                    foreach (var (header, value) in overrides) ctx.Response.Headers[header] = value;
                return Task.CompletedTask;
            });
        var obj = await ObjectReader.FindAsync(req, bucket, key, ReadAccess.Caller, "storage.s3.object.get");
        if (obj.UserMetadataJson is not null)
        {
            using var doc = JsonDocument.Parse(obj.UserMetadataJson);
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
                foreach (var p in doc.RootElement.EnumerateObject())
                    ctx.Response.Headers["x-amz-meta-" + p.Name.ToLowerInvariant()] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText();
        }
        await ObjectReader.ServeAsync(ctx, req, obj);
    }

    public static async Task DeleteAsync(HttpContext ctx, StorageRequest req, string bucket, string key)
    {
        Names.Key(key, req.State.Options.UnicodeKeys);
        string? version = null;
        await using (var scope = await req.BeginAsync("storage.s3.object.delete"))
        {
            _ = await Bucket.RequireAsServiceAsync(scope, bucket);
            await using (var cmd = await scope.CommandAsync("DELETE FROM storage.objects WHERE bucket_id = $1 AND name = $2 RETURNING version", bucket, key))
                version = await cmd.ExecuteScalarAsync(req.Aborted) as string;
            await scope.CommitAsync();
        }
        if (version is not null) await req.State.Blobs.DeleteAsync([new BlobKey(bucket, key, version)], CancellationToken.None);
        ctx.Response.StatusCode = 204;
    }

    public static async Task DeleteManyAsync(HttpContext ctx, StorageRequest req, string bucket)
    {
        var doc = await XDocument.LoadAsync(ctx.Request.Body, LoadOptions.None, req.Aborted);
        var root = doc.Root ?? throw new System.Xml.XmlException("Empty body");
        var quiet = root.Elements().FirstOrDefault(e => e.Name.LocalName == "Quiet")?.Value == "true";
        var keys = root.Elements().Where(e => e.Name.LocalName == "Object")
            .Select(o => o.Elements().FirstOrDefault(e => e.Name.LocalName == "Key")?.Value ?? "").ToArray();
        if (keys.Length > 1000) throw new StorageError("400", "MalformedXML", "At most 1000 keys", "MalformedXML");
        var deleted = new Dictionary<string, string?>(StringComparer.Ordinal);
        var denied = new HashSet<string>(StringComparer.Ordinal);
        await using (var scope = await req.BeginAsync("storage.s3.object.delete"))
        {
            _ = await Bucket.RequireAsServiceAsync(scope, bucket);
            await using (var cmd = await scope.CommandAsync("DELETE FROM storage.objects WHERE bucket_id = $1 AND name = ANY($2) RETURNING name, version", bucket, keys))
            await using (var r = await cmd.ExecuteReaderAsync(req.Aborted))
                while (await r.ReadAsync(req.Aborted)) deleted[r.GetString(0)] = r.IsDBNull(1) ? null : r.GetString(1);
            await scope.AsServiceAsync();
            await using (var cmd = await scope.CommandAsync("SELECT name FROM storage.objects WHERE bucket_id = $1 AND name = ANY($2)",
                bucket, keys.Where(k => !deleted.ContainsKey(k)).ToArray()))
            await using (var r = await cmd.ExecuteReaderAsync(req.Aborted))
                while (await r.ReadAsync(req.Aborted)) denied.Add(r.GetString(0));
            await scope.CommitAsync();
        }
        await req.State.Blobs.DeleteAsync(deleted.Where(d => d.Value is not null).Select(d => new BlobKey(bucket, d.Key, d.Value!)).ToList(), CancellationToken.None);
        await S3Xml.WriteAsync(ctx.Response, "DeleteResult", w =>
        {
            foreach (var k in keys)
            {
                if (denied.Contains(k))
                {
                    w.WriteStartElement("Error", S3Xml.Ns);
                    w.WriteElementString("Key", S3Xml.Ns, k);
                    w.WriteElementString("Code", S3Xml.Ns, "AccessDenied");
                    w.WriteElementString("Message", S3Xml.Ns, "Access Denied");
                    w.WriteEndElement();
                }
                else if (!quiet)
                {
                    w.WriteStartElement("Deleted", S3Xml.Ns);
                    w.WriteElementString("Key", S3Xml.Ns, k);
                    w.WriteEndElement();
                }
            }
        });
    }

    public static async Task CopyAsync(HttpContext ctx, StorageRequest req, string bucket, string key)
    {
        var h = ctx.Request.Headers;
        var (srcBucket, srcKey) = CopySource(ctx);
        var src = await ObjectReader.FindAsync(req, srcBucket, srcKey, ReadAccess.Caller, "storage.s3.object.copy");
        CheckCopySourceConditions(ctx, src.Metadata);
        var m = src.Metadata;
        var userMetadata = src.UserMetadataJson;
        if (string.Equals(h["x-amz-metadata-directive"].ToString(), "REPLACE", StringComparison.OrdinalIgnoreCase))
        {
            m = m with
            {
                ContentType = h.ContentType.ToString() is { Length: > 0 } ct ? ct : m.ContentType,
                CacheControl = h.CacheControl.ToString() is { Length: > 0 } cc ? cc : m.CacheControl,
            };
            userMetadata = UserMetadata(h);
        }
        var metadata = m with { LastModified = DateTime.UtcNow };
        await ObjectTransfer.CopyAsync(req, src, bucket, key, upsert: true, metadata, userMetadata, "storage.s3.object.copy");
        await S3Xml.WriteAsync(ctx.Response, "CopyObjectResult", w =>
        {
            w.WriteElementString("LastModified", S3Xml.Ns, S3Xml.Time(metadata.LastModified));
            w.WriteElementString("ETag", S3Xml.Ns, metadata.ETag);
        });
    }

    public static async Task TaggingAsync(HttpContext ctx, StorageRequest req, string bucket, string key)
    {
        _ = await ObjectReader.FindAsync(req, bucket, key, ReadAccess.Caller, "storage.s3.object.tagging");
        await S3Xml.WriteAsync(ctx.Response, "Tagging", w =>
        {
            w.WriteStartElement("TagSet", S3Xml.Ns);
            w.WriteEndElement();
        });
    }

    /// <summary>The x-amz-copy-source header as (bucket, key).</summary>
    internal static (string Bucket, string Key) CopySource(HttpContext ctx)
    {
        var source = Uri.UnescapeDataString(ctx.Request.Headers["x-amz-copy-source"].ToString().Split('?')[0]).TrimStart('/');
        var slash = source.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0) throw new StorageError("400", "InvalidArgument", "Invalid copy source", "InvalidArgument");
        return (source[..slash], source[(slash + 1)..]);
    }

    /// <summary>x-amz-copy-source-if-match / -if-none-match / -if-modified-since / -if-unmodified-since: 412 when one fails.</summary>
    internal static void CheckCopySourceConditions(HttpContext ctx, ObjectMetadata source)
    {
        var h = ctx.Request.Headers;
        static bool Matches(string header, string etag) =>
            header.Split(',').Select(t => t.Trim()).Any(t => t == "*" || t.Trim('"') == etag.Trim('"'));
        static DateTime? Time(string v) => DateTime.TryParse(v, CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t) ? t : null;
        var modified = source.LastModified.AddTicks(-(source.LastModified.Ticks % TimeSpan.TicksPerSecond));
        var ok = true;
        if (h["x-amz-copy-source-if-match"].ToString() is { Length: > 0 } im) ok &= Matches(im, source.ETag);
        if (h["x-amz-copy-source-if-none-match"].ToString() is { Length: > 0 } inm) ok &= !Matches(inm, source.ETag);
        if (Time(h["x-amz-copy-source-if-unmodified-since"].ToString()) is { } ius && h["x-amz-copy-source-if-match"].Count == 0) ok &= modified <= ius;
        if (Time(h["x-amz-copy-source-if-modified-since"].ToString()) is { } ims && h["x-amz-copy-source-if-none-match"].Count == 0) ok &= modified > ims;
        if (!ok) throw new StorageError("412", "PreconditionFailed", "At least one of the pre-conditions you specified did not hold", "PreconditionFailed");
    }

    internal static StorageError HashMismatch() =>
        new("400", "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.", "XAmzContentSHA256Mismatch");

    /// <summary>x-amz-meta-* headers as the user_metadata JSON object (null when there are none).</summary>
    internal static string? UserMetadata(IHeaderDictionary headers) =>
        UserMetadata(headers.Select(kv => new KeyValuePair<string, string>(kv.Key, kv.Value.ToString())));

    /// <summary>x-amz-meta-* names (headers or form fields) as the user_metadata JSON object (null when there are none).</summary>
    internal static string? UserMetadata(IEnumerable<KeyValuePair<string, string>> values)
    {
        var pairs = values.Where(kv => kv.Key.StartsWith("x-amz-meta-", StringComparison.OrdinalIgnoreCase)).ToList();
        if (pairs.Count == 0) return null;
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            foreach (var (name, value) in pairs) w.WriteString(name["x-amz-meta-".Length..].ToLowerInvariant(), value);
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
