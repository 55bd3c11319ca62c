using System.Globalization;
using Microsoft.AspNetCore.Http;
using SkiaSharp;
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

/// <summary>Resizes and re-encodes images with SkiaSharp, as imgproxy does for Supabase (cover → fill+crop, contain → fit, fill → force).</summary>
internal static class ImageTransformer
{
    /// <summary>Source images larger than this are refused (upstream's imgproxy limit is similar).</summary>
    public const long MaxSourceBytes = 25L * 1024 * 1024;

    public static (byte[] Data, string ContentType) Transform(byte[] source, TransformOptions o, string? accept)
    {
        using var codec = SKCodec.Create(new SKMemoryStream(source)) ?? throw new StorageError("422", "InvalidImage", "The source is not a supported image", "InvalidRequest");
        var originFormat = codec.EncodedFormat;
        using var image = SKImage.FromEncodedData(source) ?? throw new StorageError("422", "InvalidImage", "The source is not a supported image", "InvalidRequest");
        int sw = image.Width, sh = image.Height;
        var (ow, oh, src) = Plan(sw, sh, o);

        var info = new SKImageInfo(ow, oh, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var surface = SKSurface.Create(info);
        surface.Canvas.Clear(SKColors.Transparent);
        surface.Canvas.DrawImage(image, src, new SKRect(0, 0, ow, oh), new SKSamplingOptions(SKCubicResampler.Mitchell), null);
        using var result = surface.Snapshot();

        var (format, type) = OutputFormat(o.Format, originFormat, accept);
        using var encoded = result.Encode(format, o.Quality ?? 80) ?? throw StorageError.Internal("Image encoding failed");
        return (encoded.ToArray(), type);
    }

    /// <summary>Output size and the source rectangle to draw, for the requested width/height and resize mode.</summary>
    internal static (int Width, int Height, SKRect Source) Plan(int sw, int sh, TransformOptions o)
    {
        var full = new SKRect(0, 0, sw, sh);
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
                float cw = (float)(tw / scale), ch = (float)(th / scale);
                float x = (sw - cw) / 2, y = (sh - ch) / 2;
                return (tw, th, new SKRect(x, y, x + cw, y + ch));
            }
        }
    }

    private static (SKEncodedImageFormat, string) OutputFormat(string? requested, SKEncodedImageFormat origin, string? accept)
    {
        // No AVIF encoder in SkiaSharp: avif requests get WebP, the other modern format every avif-capable browser reads.
        if (requested is "webp" or "avif" || (requested is null && accept?.Contains("image/webp", StringComparison.OrdinalIgnoreCase) == true))
            return (SKEncodedImageFormat.Webp, "image/webp");
        return origin switch
        {
            SKEncodedImageFormat.Jpeg => (SKEncodedImageFormat.Jpeg, "image/jpeg"),
            SKEncodedImageFormat.Webp => (SKEncodedImageFormat.Webp, "image/webp"),
            _ => (SKEncodedImageFormat.Png, "image/png"),
        };
    }
}
