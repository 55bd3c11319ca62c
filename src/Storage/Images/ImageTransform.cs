using System.Globalization;
using Microsoft.AspNetCore.Http;
using NetVips;
using Supacs.Storage.Http;

namespace Supacs.Storage.Images;

/// <summary>
/// Image transformation options as storage-js sends them (width, height, resize cover|contain|fill, quality 20–100,
/// format origin|webp|avif) and their token form ("width:100,height:50,resize:cover").
/// </summary>
internal sealed record TransformOptions(int? Width, int? Height, string Resize, int? Quality, string? Format)
{
    public const int MaxDimension = 2500;

    public static TransformOptions FromQuery(IQueryCollection q) =>
        Create(q["width"], q["height"], q["resize"], q["quality"], q["format"]);

    /// <summary>The <c>transformations</c> claim of a render token.</summary>
    public static TransformOptions FromTokenString(string? s)
    {
        var d = (s ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split(':', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        return Create(d.GetValueOrDefault("width"), d.GetValueOrDefault("height"), d.GetValueOrDefault("resize"), d.GetValueOrDefault("quality"),
            d.GetValueOrDefault("format"));
    }

    /// <summary>From the JSON <c>transform</c> object of a sign request.</summary>
    public static TransformOptions FromJson(System.Text.Json.JsonElement t) =>
        Create(Json.Int(t, "width")?.ToString(CultureInfo.InvariantCulture), Json.Int(t, "height")?.ToString(CultureInfo.InvariantCulture),
            Json.String(t, "resize"), Json.Int(t, "quality")?.ToString(CultureInfo.InvariantCulture), Json.String(t, "format"));

    private static TransformOptions Create(string? width, string? height, string? resize, string? quality, string? format)
    {
        int? Dim(string? v, string name)
        {
            if (string.IsNullOrEmpty(v)) return null;
            if (!int.TryParse(v, CultureInfo.InvariantCulture, out var n) || n < 0) throw StorageError.InvalidRequest($"{name} must be a positive integer");
            return n == 0 ? null : Math.Min(n, MaxDimension);
        }
        int? q = null;
        if (!string.IsNullOrEmpty(quality))
        {
            if (!int.TryParse(quality, CultureInfo.InvariantCulture, out var qv) || qv is < 20 or > 100)
                throw StorageError.InvalidRequest("quality must be between 20 and 100");
            q = qv;
        }
        var mode = string.IsNullOrEmpty(resize) ? "cover" : resize;
        if (mode is not ("cover" or "contain" or "fill")) throw StorageError.InvalidRequest("resize must be one of cover, contain, fill");
        if (!string.IsNullOrEmpty(format) && format is not ("origin" or "webp" or "avif")) throw StorageError.InvalidRequest("format must be one of origin, webp, avif");
        return new TransformOptions(Dim(width, "width"), Dim(height, "height"), mode, q, string.IsNullOrEmpty(format) ? null : format);
    }

    public string ToTokenString()
    {
        var parts = new List<string>();
        if (Width is { } w) parts.Add("width:" + w.ToString(CultureInfo.InvariantCulture));
        if (Height is { } h) parts.Add("height:" + h.ToString(CultureInfo.InvariantCulture));
        parts.Add("resize:" + Resize);
        if (Quality is { } q) parts.Add("quality:" + q.ToString(CultureInfo.InvariantCulture));
        if (Format is { } f) parts.Add("format:" + f);
        return string.Join(',', parts);
    }
}

/// <summary>
/// Resizes and re-encodes images with libvips (NetVips + NetVips.Native, as imgproxy does for Supabase: cover → fill+crop,
/// contain → fit, fill → force). Chosen over SkiaSharp by measurement (bench/results/storage.md: 1.5–3× faster on JPEG
/// photos thanks to shrink-on-load, and the only engine here with an AVIF encoder), at the cost of more memory per
/// transform; the operation cache is off and libvips is loaded on the first transform only.
/// </summary>
internal static class ImageTransformer
{
    /// <summary>Source images larger than this are refused (upstream's imgproxy limit is similar).</summary>
    public const long MaxSourceBytes = 25L * 1024 * 1024;

    /// <summary>Largest side vips may produce when only one dimension is given (the other is proportional).</summary>
    private const int Unbounded = 10_000_000;

    private static readonly Lazy<bool> Configured = new(() =>
    {
        // Every request is a new image: the operation cache would only hold memory.
        NetVips.Cache.Max = 0;
        NetVips.Cache.MaxMem = 0;
        NetVips.Cache.MaxFiles = 0;
        return true;
    });

    public static (byte[] Data, string ContentType) Transform(byte[] source, TransformOptions o, string? accept)
    {
        _ = Configured.Value;
        try
        {
            using var header = Image.NewFromBuffer(source, access: Enums.Access.Sequential);
            var loader = header.Contains("vips-loader") ? (string)header.Get("vips-loader") : "";
            var (ow, oh, _) = Plan(header.Width, header.Height, o);
            using var resized = o.Width is null && o.Height is null
                ? Image.NewFromBuffer(source, access: Enums.Access.Sequential)
                : o.Width is null || o.Height is null
                    ? Image.ThumbnailBuffer(source, o.Width ?? Unbounded, height: o.Height ?? Unbounded, size: Enums.Size.Both)
                    : Image.ThumbnailBuffer(source, ow, height: oh, size: o.Resize == "fill" ? Enums.Size.Force : Enums.Size.Both,
                        crop: o.Resize == "cover" ? Enums.Interesting.Centre : null);
            var q = o.Quality ?? 80;
            var (format, type) = OutputFormat(o.Format, loader, accept);
            var data = format switch
            {
                "avif" => resized.HeifsaveBuffer(q: q, compression: Enums.ForeignHeifCompression.Av1, effort: 2),
                "webp" => resized.WebpsaveBuffer(q: q),
                "jpeg" => (resized.HasAlpha() ? resized.Flatten(background: [255, 255, 255]) : resized).JpegsaveBuffer(q: q),
                _ => resized.PngsaveBuffer(),
            };
            return (data, type);
        }
        catch (VipsException)
        {
            throw new StorageError("422", "InvalidImage", "The source is not a supported image", "InvalidRequest");
        }
    }

    /// <summary>Output size (and, for cover, the centred source rectangle) for the requested width/height and resize mode.</summary>
    internal static (int Width, int Height, (double X, double Y, double W, double H) Source) Plan(int sw, int sh, TransformOptions o)
    {
        var full = (0d, 0d, (double)sw, (double)sh);
        if (o.Width is null && o.Height is null) return (sw, sh, full);
        if (o.Width is null || o.Height is null)
        {
            var scale = o.Width is { } w ? (double)w / sw : (double)o.Height!.Value / sh;
            return (Math.Max(1, (int)Math.Round(sw * scale)), Math.Max(1, (int)Math.Round(sh * scale)), full);
        }
        int tw = o.Width.Value, th = o.Height.Value;
        switch (o.Resize)
        {
            case "fill":
                return (tw, th, full);
            case "contain":
            {
                var scale = Math.Min((double)tw / sw, (double)th / sh);
                return (Math.Max(1, (int)Math.Round(sw * scale)), Math.Max(1, (int)Math.Round(sh * scale)), full);
            }
            default:
            {
                var scale = Math.Max((double)tw / sw, (double)th / sh);
                double cw = tw / scale, ch = th / scale;
                return (tw, th, ((sw - cw) / 2, (sh - ch) / 2, cw, ch));
            }
        }
    }

    /// <summary>format=avif|webp as asked; none → WebP when the client accepts it; else (or origin) the source's own format.</summary>
    private static (string Format, string ContentType) OutputFormat(string? requested, string loader, string? accept)
    {
        if (requested == "avif") return ("avif", "image/avif");
        if (requested == "webp" || (requested is null && accept?.Contains("image/webp", StringComparison.OrdinalIgnoreCase) == true))
            return ("webp", "image/webp");
        if (loader.StartsWith("jpeg", StringComparison.Ordinal)) return ("jpeg", "image/jpeg");
        if (loader.StartsWith("webp", StringComparison.Ordinal)) return ("webp", "image/webp");
        if (loader.StartsWith("heif", StringComparison.Ordinal)) return ("avif", "image/avif");
        return ("png", "image/png");
    }
}
