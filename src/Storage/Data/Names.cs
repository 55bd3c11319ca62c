using System.Text.RegularExpressions;
using Supacs.Storage.Http;

namespace Supacs.Storage.Data;

/// <summary>Upstream's rules for bucket names and object keys, plus the segments a file system cannot hold safely.</summary>
internal static partial class Names
{
    [GeneratedRegex(@"^[A-Za-z0-9_/!.*'() &$=@;:+,?-]+$")]
    private static partial Regex KeyChars();

    [GeneratedRegex(@"^[A-Za-z0-9_!.*'() &$=@;:+,?-]+$")]
    private static partial Regex BucketChars();

    /// <summary>
    /// Validates an object key: upstream's ASCII set, or with <paramref name="unicode"/> (opt-in, beyond Supabase)
    /// any printable character. Empty, "." and ".." segments are refused either way: they would alias on disk.
    /// </summary>
    public static string Key(string? key, bool unicode = false)
    {
        if (string.IsNullOrEmpty(key) || key.Length > 1024 || !(unicode ? IsPrintable(key) : KeyChars().IsMatch(key))) throw StorageError.InvalidKey(key ?? "");
        foreach (var part in key.Split('/'))
            if (part.Length == 0 || part == "." || part == "..") throw StorageError.InvalidKey(key);
        return key;
    }

    private static bool IsPrintable(string key)
    {
        foreach (var ch in key)
            if (char.IsControl(ch) || ch == '\\' || char.GetUnicodeCategory(ch) is System.Globalization.UnicodeCategory.Format
                    or System.Globalization.UnicodeCategory.OtherNotAssigned) return false;
        return key.Normalize() == key;
    }

    public static bool IsValidBucket(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 100 && name.Trim() == name && BucketChars().IsMatch(name) && name != "." && name != "..";

    public static string Bucket(string? name) => IsValidBucket(name) ? name! : throw StorageError.InvalidBucketName(name ?? "");

    /// <summary>Whether a content type matches one of a bucket's allowed types (exact or <c>type/*</c>).</summary>
    public static bool MimeAllowed(string contentType, string[]? allowed)
    {
        if (allowed is null || allowed.Length == 0) return true;
        var ct = contentType.Split(';', 2)[0].Trim().ToLowerInvariant();
        foreach (var a in allowed)
        {
            var pattern = a.Trim().ToLowerInvariant();
            if (pattern == ct || pattern == "*/*" || pattern == "*") return true;
            if (pattern.EndsWith("/*", StringComparison.Ordinal) && ct.StartsWith(pattern[..^1], StringComparison.Ordinal)) return true;
        }
        return false;
    }
}
