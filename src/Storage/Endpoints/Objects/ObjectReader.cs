using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Supacs.Storage.Blobs;
using Supacs.Storage.Data;
using Supacs.Storage.Http;

namespace Supacs.Storage.Endpoints.Objects;

/// <summary>How a read was authorised: as the caller, anyone on a public bucket, or by a signed token.</summary>
internal enum ReadAccess { Caller, Public, Signed }

/// <summary>
/// Finds an object the way upstream decides read access (bucket read as service_role; a public bucket
/// or signed token reads the row as service_role, otherwise as the caller so RLS applies) and serves its
/// bytes with ETag/Last-Modified from the row, Range (206) and conditional (304) support.
/// </summary>
internal static class ObjectReader
{
    public static async Task<StoredObject> FindAsync(StorageRequest req, string bucketId, string key, ReadAccess access, string operation = "storage.object.get")
    {
        Names.Key(key, req.State.Options.UnicodeKeys);
        await using var scope = await req.BeginAsync(operation);
        // One round trip: the bucket and the object as service_role, then (for callers RLS applies to) the object as the caller.
        var asCaller = access == ReadAccess.Caller && !req.Identity.IsServiceRole;
        var statements = new List<(string, object?[])>
        {
            ("SELECT set_config('role', 'service_role', true)", []),
            ($"SELECT {Bucket.Columns} FROM storage.buckets WHERE id = $1", [bucketId]),
            ($"SELECT {StoredObject.Columns} FROM storage.objects WHERE bucket_id = $1 AND name = $2", [bucketId, key]),
        };
        if (asCaller)
        {
            statements.Add(("SELECT set_config('role', $1, true)", [scope.UserRole]));
            statements.Add(($"SELECT {StoredObject.Columns} FROM storage.objects WHERE bucket_id = $1 AND name = $2", [bucketId, key]));
        }
        Bucket? bucket;
        StoredObject? asService, asUser = null;
        await using (var r = await scope.MultiAsync(statements, asCaller ? scope.UserRole : "service_role"))
        {
            await r.NextResultAsync(req.Aborted);
            bucket = await r.ReadAsync(req.Aborted) ? Bucket.Read(r) : null;
            await r.NextResultAsync(req.Aborted);
            asService = await r.ReadAsync(req.Aborted) ? StoredObject.Read(r) : null;
            if (asCaller)
            {
                await r.NextResultAsync(req.Aborted);
                await r.NextResultAsync(req.Aborted);
                asUser = await r.ReadAsync(req.Aborted) ? StoredObject.Read(r) : null;
            }
        }
        if (bucket is null || (access == ReadAccess.Public && !bucket.Public)) throw StorageError.BucketNotFound();
        var obj = bucket.Public || !asCaller ? asService : asUser;
        return obj ?? throw StorageError.ObjectNotFound();
    }

    /// <param name="expires">For signed URLs: the token's expiry, sent as <c>Expires</c> instead of the stored Cache-Control (as upstream).</param>
    public static async Task ServeAsync(HttpContext ctx, StorageRequest req, StoredObject obj, DateTimeOffset? expires = null)
    {
        var m = obj.Metadata;
        if (obj.Version is null) throw StorageError.ObjectNotFound();
        var size = m.Size;
        var response = ctx.Response;
        var headers = response.Headers;
        var contentType = m.ContentType.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) ? "text/plain" + m.ContentType[9..] : m.ContentType;
        if (m.ETag.Length > 0) headers.ETag = m.ETag;
        headers.LastModified = m.LastModified.ToString("R", CultureInfo.InvariantCulture);
        if (expires is { } exp) headers.Expires = exp.ToString("R", CultureInfo.InvariantCulture);
        else headers.CacheControl = m.CacheControl;
        headers.AcceptRanges = "bytes";
        headers["X-Robots-Tag"] = "none";
        if (ctx.Request.Query.TryGetValue("download", out var download))
        {
            var name = download.ToString();
            headers.ContentDisposition = name.Length == 0
                ? "attachment;"
                : $"attachment; filename={Uri.EscapeDataString(name)}; filename*=UTF-8''{Uri.EscapeDataString(name)}";
        }

        if (NotModified(ctx.Request, m))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        long offset = 0, count = size;
        var range = ctx.Request.Headers.Range.ToString();
        if (range.Length > 0 && size > 0)
        {
            if (!TryParseRange(range, size, out offset, out count))
            {
                response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
                headers.ContentRange = $"bytes */{size}";
                return;
            }
            response.StatusCode = StatusCodes.Status206PartialContent;
            headers.ContentRange = $"bytes {offset}-{offset + count - 1}/{size}";
        }
        var head = HttpMethods.IsHead(ctx.Request.Method);
        BlobContent? content = null;
        try
        {
            if (!head)
            {
                try
                {
                    content = await req.State.Blobs.OpenAsync(obj.Blob, offset, count, req.Aborted);
                }
                catch (BlobNotFoundException)
                {
                    throw StorageError.ObjectNotFound();
                }
            }
            if (response.StatusCode != StatusCodes.Status206PartialContent) response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = contentType;
            response.ContentLength = count;
            if (content is not null) await content.SendAsync(response, req.Aborted);
        }
        finally
        {
            if (content is not null) await content.DisposeAsync();
        }
    }

    private static bool NotModified(HttpRequest request, ObjectMetadata m)
    {
        var inm = request.Headers.IfNoneMatch.ToString();
        if (inm.Length > 0)
        {
            if (m.ETag.Length == 0) return false;
            foreach (var tag in inm.Split(','))
            {
                var t = tag.Trim();
                if (t == "*" || t == m.ETag || (t.StartsWith("W/", StringComparison.Ordinal) && t[2..] == m.ETag)) return true;
            }
            return false;
        }
        var ims = request.Headers.IfModifiedSince.ToString();
        if (ims.Length > 0 && DateTime.TryParse(ims, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var since))
            return m.LastModified.AddTicks(-(m.LastModified.Ticks % TimeSpan.TicksPerSecond)) <= since;
        return false;
    }

    /// <summary>The <c>exp</c> claim of a signed-URL token.</summary>
    public static DateTimeOffset? TokenExpiry(System.Text.Json.JsonElement claims) =>
        claims.TryGetProperty("exp", out var e) && e.TryGetInt64(out var s) ? DateTimeOffset.FromUnixTimeSeconds(s) : null;

    /// <summary>One range of <c>bytes=a-b</c>, <c>bytes=a-</c> or <c>bytes=-n</c>; the first when several are given.</summary>
    internal static bool TryParseRange(string header, long size, out long offset, out long count)
    {
        offset = 0;
        count = size;
        if (!RangeHeaderValue.TryParse(header, out var parsed) || !string.Equals(parsed.Unit.ToString(), "bytes", StringComparison.OrdinalIgnoreCase)
            || parsed.Ranges.Count == 0) return false;
        var r = parsed.Ranges.First();
        if (r.From is null)
        {
            if (r.To is null or 0) return false;
            var n = Math.Min(r.To.Value, size);
            offset = size - n;
            count = n;
            return true;
        }
        if (r.From.Value >= size) return false;
        var end = r.To is null ? size - 1 : Math.Min(r.To.Value, size - 1);
        if (end < r.From.Value) return false;
        offset = r.From.Value;
        count = end - offset + 1;
        return true;
    }
}
