using System.Text.RegularExpressions;
using Supacs.Auth.Config;

namespace Supacs.Auth.Http;

/// <summary>
/// GoTrue's redirect_to acceptance: same host as SITE_URL, a loopback address, or a glob of the allow list;
/// otherwise the Referer if that passes, else SITE_URL. It never errors.
/// </summary>
internal static class Redirects
{
    public static string Resolve(AuthOptions options, string? redirectTo, string? referer = null)
    {
        if (IsAllowed(options, redirectTo)) return redirectTo!;
        if (IsAllowed(options, referer)) return referer!;
        return options.SiteUrl;
    }

    public static string Resolve(AuthRequest req, string? redirectTo) =>
        Resolve(req.Options, redirectTo, req.Http.Request.Headers.Referer.ToString());

    public static bool IsAllowed(AuthOptions options, string? url)
    {
        if (string.IsNullOrEmpty(url) || !Uri.TryCreate(url, UriKind.Absolute, out var uri)) return false;
        if (Uri.TryCreate(options.SiteUrl, UriKind.Absolute, out var site) && string.Equals(site.Host, uri.Host, StringComparison.OrdinalIgnoreCase))
            return true;
        if (uri.IsLoopback && System.Net.IPAddress.TryParse(uri.Host.Trim('[', ']'), out _)) return true;
        foreach (var pattern in options.AdditionalRedirectUrls)
        {
            if (string.Equals(pattern, url, StringComparison.Ordinal)) return true;
            if (Glob(pattern).IsMatch(url)) return true;
        }
        return false;
    }

    /// <summary>Globs as GoTrue's allow list uses them: <c>*</c> stays within a path segment or host label, <c>**</c> crosses them.</summary>
    private static Regex Glob(string pattern)
    {
        var escaped = Regex.Escape(pattern).Replace(@"\*\*", "\u0001", StringComparison.Ordinal).Replace(@"\*", "[^/.]*", StringComparison.Ordinal)
            .Replace("\u0001", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal);
        return new Regex("^" + escaped + "$", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
    }
}
