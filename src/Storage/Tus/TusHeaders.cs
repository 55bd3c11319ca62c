using System.Text;

namespace Supacs.Storage.Tus;

/// <summary>TUS 1.0 header helpers with no host dependency: Upload-Metadata and upload ids.</summary>
internal static class TusHeaders
{
    public const string Version = "1.0.0";
    public const string Extensions = "creation,creation-with-upload,creation-defer-length,termination,expiration";
    public const string OffsetContentType = "application/offset+octet-stream";

    /// <summary>Parses <c>key base64value,key2 base64value2</c> (a key may have no value). Null when malformed.</summary>
    public static Dictionary<string, string>? ParseMetadata(string? header)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(header)) return result;
        foreach (var pair in header.Split(','))
        {
            var parts = pair.Trim().Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0 || parts[0].Length == 0) return null;
            try
            {
                result[parts[0]] = parts.Length == 2 ? Encoding.UTF8.GetString(Convert.FromBase64String(parts[1].Trim())) : "";
            }
            catch (FormatException)
            {
                return null;
            }
        }
        return result;
    }

    /// <summary>Upstream's upload id: base64url of "bucket/object/version".</summary>
    public static string UploadId(string bucket, string name, string version) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{bucket}/{name}/{version}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Splits an upload id back into bucket, object name and version; null when it is not one.</summary>
    public static (string Bucket, string Name, string Version)? ParseUploadId(string id)
    {
        try
        {
            var b64 = id.Replace('-', '+').Replace('_', '/');
            b64 = b64.PadRight(b64.Length + ((4 - (b64.Length % 4)) % 4), '=');
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(b64));
            var first = text.IndexOf('/', StringComparison.Ordinal);
            var last = text.LastIndexOf('/');
            if (first <= 0 || last <= first + 1 || last == text.Length - 1) return null;
            return (text[..first], text[(first + 1)..last], text[(last + 1)..]);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
