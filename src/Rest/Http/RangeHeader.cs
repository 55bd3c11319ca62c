using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Supacs.Rest.Http;

/// <summary>The GET-only <c>Range: first-[last]</c> header (items), intersected with limit/offset.</summary>
internal static class RangeHeader
{
    public static (long? Offset, long? Limit) Parse(HttpRequest request)
    {
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method)) return (null, null);
        var value = request.Headers.Range.ToString();
        if (value.Length == 0) return (null, null);
        if (value.StartsWith("items=", StringComparison.OrdinalIgnoreCase)) value = value[6..];
        var dash = value.IndexOf('-', StringComparison.Ordinal);
        if (dash <= 0 || !long.TryParse(value[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var first)) return (null, null);
        var rest = value[(dash + 1)..];
        if (rest.Length == 0) return (first, null);
        if (!long.TryParse(rest, NumberStyles.None, CultureInfo.InvariantCulture, out var last)) return (null, null);
        if (last < first)
            throw new RestException(416, "PGRST103", "Requested range not satisfiable", (string?)null);
        return (first, last - first + 1);
    }
}
