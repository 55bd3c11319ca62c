using System.Text.Json;
using Supacs.Storage.Http;

namespace Supacs.Storage.Endpoints.Buckets;

/// <summary>The settable fields of a bucket body: public, file_size_limit (bytes or "20mb"), allowed_mime_types.</summary>
internal sealed record BucketSettings(bool? Public, bool HasSizeLimit, long? FileSizeLimit, bool HasMimeTypes, string[]? AllowedMimeTypes)
{
    public static BucketSettings From(JsonElement body, long globalLimit)
    {
        bool? isPublic = Json.Bool(body, "public");
        var hasSize = body.TryGetProperty("file_size_limit", out var sizeEl);
        long? size = null;
        if (hasSize && sizeEl.ValueKind != JsonValueKind.Null)
        {
            object raw = sizeEl.ValueKind == JsonValueKind.Number ? sizeEl.GetDouble() : sizeEl.ToString();
            if (!SizeParser.TryParse(raw, binaryUnits: false, out var parsed))
                throw StorageError.InvalidRequest("file_size_limit must be a number or a size like \"20mb\"");
            if (parsed > globalLimit)
                throw new StorageError("413", "Payload too large", "The object exceeded the maximum allowed size", "EntityTooLarge");
            size = parsed == 0 ? null : parsed;
        }
        var hasMimes = body.TryGetProperty("allowed_mime_types", out var mimesEl);
        string[]? mimes = null;
        if (hasMimes && mimesEl.ValueKind == JsonValueKind.Array)
        {
            mimes = mimesEl.EnumerateArray().Select(e => e.GetString() ?? "").ToArray();
            foreach (var m in mimes)
                if (!System.Text.RegularExpressions.Regex.IsMatch(m, @"^([a-zA-Z0-9\-+.]+|\*)/([a-zA-Z0-9\-+.]+|\*)$"))
                    throw StorageError.InvalidRequest($"Invalid mime type format: {m}");
            if (mimes.Length == 0) mimes = null;
        }
        return new BucketSettings(isPublic, hasSize, size, hasMimes, mimes);
    }
}
