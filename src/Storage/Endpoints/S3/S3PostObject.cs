using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Supacs.Storage.Blobs;
using Supacs.Storage.Data;
using Supacs.Storage.Endpoints.Objects;
using Supacs.Storage.Http;
using Supacs.Storage.S3;

namespace Supacs.Storage.Endpoints.S3;

/// <summary>
/// PostObject: a browser form upload (POST /s3/{bucket}, multipart/form-data) authorised by a presigned POST policy:
/// the form's x-amz-credential/x-amz-date/x-amz-signature sign the base64 policy with the SigV4 signing key (same
/// credential modes and region rule as every S3 request); the policy must not be expired and each of its conditions
/// (exact match, eq, starts-with, content-length-range) must hold. The file part comes last; it is streamed under the
/// bucket limit and the policy's length range, and stored through the same flow as PutObject (RLS as the caller).
/// </summary>
internal static class S3PostObject
{
    private const int MaxFieldBytes = 64 * 1024;

    public static bool Matches(HttpContext ctx) =>
        HttpMethods.IsPost(ctx.Request.Method) && ctx.Request.Headers.Authorization.Count == 0 && !ctx.Request.Query.ContainsKey("delete")
        && (ctx.Request.ContentType ?? "").StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase);

    public static async Task HandleAsync(HttpContext ctx, StorageState state, string bucket)
    {
        if (!MediaTypeHeaderValue.TryParse(ctx.Request.ContentType, out var media) || HeaderUtilities.RemoveQuotes(media.Boundary).Length == 0)
            throw Malformed("missing boundary");
        var reader = new MultipartReader(HeaderUtilities.RemoveQuotes(media.Boundary).ToString(), ctx.Request.Body);
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        MultipartSection? file = null;
        string? fileName = null;
        while (await reader.ReadNextSectionAsync(ctx.RequestAborted) is { } section)
        {
            var disposition = section.GetContentDispositionHeader();
            if (disposition is null) continue;
            var name = HeaderUtilities.RemoveQuotes(disposition.Name).ToString();
            if (string.Equals(name, "file", StringComparison.OrdinalIgnoreCase))
            {
                file = section;
                fileName = HeaderUtilities.RemoveQuotes(disposition.FileName).ToString();
                break;
            }
            fields[name] = await UploadBody.ReadFieldAsync(section.Body, MaxFieldBytes, ctx.RequestAborted);
        }
        if (file is null) throw new StorageError("400", "InvalidArgument", "POST requires exactly one file upload per request.", "InvalidArgument");
        if (!fields.TryGetValue("key", out var key) || key.Length == 0)
            throw new StorageError("400", "InvalidArgument", "Bucket POST must contain a field named 'key'.", "InvalidArgument");
        key = key.Replace("${filename}", fileName, StringComparison.Ordinal);
        fields["key"] = key;
        var submitted = fields.Keys.ToList();
        fields["bucket"] = bucket;

        var caller = await AuthenticateAsync(state, fields);
        var (minLength, maxLength) = CheckPolicy(fields, submitted);

        var req = await StorageRequest.ForIdentityAsync(ctx, state, caller);
        var contentType = fields.TryGetValue("Content-Type", out var ct) && ct.Length > 0 ? ct
            : string.IsNullOrEmpty(file.ContentType) ? "application/octet-stream" : file.ContentType;
        var cacheControl = fields.TryGetValue("Cache-Control", out var cc) && cc.Length > 0 ? cc : "no-cache";
        var userMetadata = S3Objects.UserMetadata(fields);
        var sub = req.Identity.Subject;
        var limit = await ObjectWriter.CheckAsync(req, bucket, key, upsert: true, contentType, cacheControl, null, userMetadata, sub,
            probeAsCaller: true, "storage.s3.object.post");
        var version = Guid.NewGuid().ToString();
        var blob = new BlobKey(bucket, key, version);
        BlobWritten written;
        try
        {
            written = await req.State.Blobs.PutAsync(blob, new MalformedAsBadRequestStream(file.Body), Math.Min(limit, maxLength), contentType, cacheControl, req.Aborted);
        }
        catch (BlobTooLargeException) when (maxLength < limit)
        {
            throw new StorageError("400", "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", "EntityTooLarge");
        }
        if (written.Size < minLength)
        {
            await req.State.Blobs.DeleteAsync([blob], CancellationToken.None);
            throw new StorageError("400", "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size", "EntityTooSmall");
        }
        var metadata = new ObjectMetadata(written.Size, contentType, cacheControl, written.ETag, DateTime.UtcNow);
        await ObjectWriter.CommitRowAsync(req, bucket, key, upsert: true, sub, metadata, userMetadata, version, "storage.s3.object.post");

        var location = $"{ctx.Request.Scheme}://{ctx.Request.Host}{ctx.Request.PathBase}{ctx.Request.Path.Value!.TrimEnd('/')}/{Uri.EscapeDataString(key).Replace("%2F", "/", StringComparison.Ordinal)}";
        ctx.Response.Headers.ETag = written.ETag;
        ctx.Response.Headers.Location = location;
        switch (fields.GetValueOrDefault("success_action_status"))
        {
            case "201":
                await S3Xml.WriteAsync(ctx.Response, "PostResponse", w =>
                {
                    w.WriteElementString("Location", S3Xml.Ns, location);
                    w.WriteElementString("Bucket", S3Xml.Ns, bucket);
                    w.WriteElementString("Key", S3Xml.Ns, key);
                    w.WriteElementString("ETag", S3Xml.Ns, written.ETag);
                }, 201);
                break;
            case "200":
                ctx.Response.StatusCode = 200;
                break;
            default:
                ctx.Response.StatusCode = 204;
                break;
        }
    }

    private static async Task<Supacs.Core.Requests.RequestIdentity> AuthenticateAsync(StorageState state, Dictionary<string, string> f)
    {
        if (f.GetValueOrDefault("x-amz-algorithm") != SigV4.Algorithm || !f.TryGetValue("policy", out var policy))
            throw new StorageError("403", "AccessDenied", "Missing or unsupported authentication", "AccessDenied");
        var sig = SigV4.ParseForm(f.GetValueOrDefault("x-amz-credential"), f.GetValueOrDefault("x-amz-date"), f.GetValueOrDefault("x-amz-signature"))
            ?? throw new StorageError("403", "AccessDenied", "Missing or unsupported authentication", "AccessDenied");
        sig = S3Auth.CheckScope(state, sig);
        var (secret, identity) = await S3Auth.CredentialsAsync(state, sig.AccessKeyId, f.GetValueOrDefault("x-amz-security-token") is { Length: > 0 } t ? t : null);
        var expected = SigV4.Sign(SigV4.SigningKey(secret, sig.Date, sig.Region, sig.Service), policy);
        if (!Supacs.Core.Keys.ConstantTime.Equals(expected, sig.Signature)) throw new S3SignatureException();
        return identity;
    }

    /// <summary>
    /// Checks expiration and every condition of the policy, and (as AWS) that every submitted field other than policy,
    /// x-amz-signature, file and x-ignore-* is named by a condition. Returns the content-length-range (0..max when absent).
    /// </summary>
    internal static (long Min, long Max) CheckPolicy(IReadOnlyDictionary<string, string> fields, IEnumerable<string> submitted)
    {
        var covered = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(fields["policy"])));
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            throw new StorageError("400", "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.", "InvalidPolicyDocument");
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || Json.String(root, "expiration") is not { } exp
                || !DateTime.TryParse(exp, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var expires))
                throw new StorageError("400", "InvalidPolicyDocument", "Invalid Policy: Policy missing expiration.", "InvalidPolicyDocument");
            if (expires < DateTime.UtcNow) throw PolicyError("Policy expired.");
            long min = 0, max = long.MaxValue;
            if (root.TryGetProperty("conditions", out var conditions) && conditions.ValueKind == JsonValueKind.Array)
                foreach (var c in conditions.EnumerateArray())
                {
                    if (c.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var p in c.EnumerateObject())
                        {
                            if (fields.GetValueOrDefault(p.Name) != p.Value.GetString()) throw PolicyError($"Policy Condition failed: [\"eq\", \"${p.Name}\", \"{p.Value}\"]");
                            covered.Add(p.Name);
                        }
                        continue;
                    }
                    if (c.ValueKind != JsonValueKind.Array || c.GetArrayLength() != 3) throw PolicyError("Invalid condition.");
                    var op = c[0].GetString()?.ToLowerInvariant();
                    if (op == "content-length-range")
                    {
                        min = c[1].GetInt64();
                        max = c[2].GetInt64();
                        continue;
                    }
                    var field = (c[1].GetString() ?? "").TrimStart('$');
                    var value = c[2].GetString() ?? "";
                    covered.Add(field);
                    var actual = fields.GetValueOrDefault(field) ?? "";
                    var ok = op switch
                    {
                        "eq" => actual == value,
                        "starts-with" => actual.StartsWith(value, StringComparison.Ordinal),
                        _ => false,
                    };
                    if (!ok) throw PolicyError($"Policy Condition failed: [\"{op}\", \"${field}\", \"{value}\"]");
                }
            foreach (var name in submitted)
                if (!covered.Contains(name) && name is not ("policy" or "x-amz-signature" or "file")
                    && !name.StartsWith("x-ignore-", StringComparison.OrdinalIgnoreCase))
                    throw PolicyError("Extra input fields: " + name);
            return (min, max);
        }
    }

    private static StorageError PolicyError(string detail) =>
        new("403", "AccessDenied", "Invalid according to Policy: " + detail, "AccessDenied");

    private static StorageError Malformed(string detail) =>
        new("400", "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data: " + detail, "MalformedPOSTRequest");
}
