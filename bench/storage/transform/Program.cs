using System.Diagnostics;
using System.Globalization;
using SkiaSharp;

// usage: TransformBench make DIR | TransformBench skia|vips FILE FORMAT ITERATIONS
// Prints: engine format median_ms p90_ms output_bytes peak_rss_mb
if (args[0] == "make")
{
    Directory.CreateDirectory(args[1]);
    var rnd = new Random(42);
    using var bmp = new SKBitmap(2400, 1600);
    using (var canvas = new SKCanvas(bmp))
    {
        using var shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(2400, 1600),
            [SKColors.SkyBlue, SKColors.SeaGreen, SKColors.Orange, SKColors.DarkRed], SKShaderTileMode.Clamp);
        using var paint = new SKPaint { Shader = shader };
        canvas.DrawRect(0, 0, 2400, 1600, paint);
        using var dot = new SKPaint { IsAntialias = true };
        for (var i = 0; i < 4000; i++)
        {
            dot.Color = new SKColor((byte)rnd.Next(256), (byte)rnd.Next(256), (byte)rnd.Next(256), (byte)rnd.Next(40, 200));
            canvas.DrawCircle(rnd.Next(2400), rnd.Next(1600), rnd.Next(2, 40), dot);
        }
    }
    foreach (var (ext, fmt) in new[] { ("jpg", SKEncodedImageFormat.Jpeg), ("png", SKEncodedImageFormat.Png) })
    {
        using var data = bmp.Encode(fmt, 90);
        File.WriteAllBytes(Path.Combine(args[1], "photo." + ext), data.ToArray());
    }
    return;
}

var engine = args[0];
if (engine == "vips")
{
    // As Supacs configures libvips: no operation cache (every request is a new image), threads from VIPS_CONCURRENCY.
    NetVips.Cache.Max = 0;
    NetVips.Cache.MaxMem = 0;
    NetVips.Cache.MaxFiles = 0;
    if (Environment.GetEnvironmentVariable("VIPS_CONCURRENCY") is { Length: > 0 } c) NetVips.NetVips.Concurrency = int.Parse(c, CultureInfo.InvariantCulture);
}
var source = File.ReadAllBytes(args[1]);
var format = args[2];
var n = int.Parse(args[3], CultureInfo.InvariantCulture);
const int W = 800, H = 600;
Func<byte[]> run = engine switch
{
    "skia" => () =>
    {
        // As Supacs's ImageTransformer does it: decode, draw the cover crop with Mitchell sampling, encode.
        using var image = SKImage.FromEncodedData(source);
        var scale = Math.Max((double)W / image.Width, (double)H / image.Height);
        float cw = (float)(W / scale), ch = (float)(H / scale);
        float x = (image.Width - cw) / 2, y = (image.Height - ch) / 2;
        using var surface = SKSurface.Create(new SKImageInfo(W, H, SKColorType.Rgba8888, SKAlphaType.Premul));
        surface.Canvas.DrawImage(image, new SKRect(x, y, x + cw, y + ch), new SKRect(0, 0, W, H), new SKSamplingOptions(SKCubicResampler.Mitchell), null);
        using var result = surface.Snapshot();
        using var data = result.Encode(format == "webp" ? SKEncodedImageFormat.Webp : SKEncodedImageFormat.Jpeg, 80);
        return data.ToArray();
    },
    "vips" => () =>
    {
        using var img = NetVips.Image.ThumbnailBuffer(source, W, height: H, crop: NetVips.Enums.Interesting.Centre);
        return format switch
        {
            "avif" => img.HeifsaveBuffer(q: 50, compression: NetVips.Enums.ForeignHeifCompression.Av1, effort: 2),
            "webp" => img.WebpsaveBuffer(q: 80),
            _ => img.JpegsaveBuffer(q: 80),
        };
    },
    _ => throw new ArgumentException(engine),
};
static long StatusKb(string field) => long.Parse(File.ReadAllLines("/proc/self/status").First(l => l.StartsWith(field, StringComparison.Ordinal))
    .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
if (engine == "vips") _ = NetVips.NetVips.Version(0);
else using (new SKBitmap(1, 1)) { }
GC.Collect();
var loadedKb = StatusKb("VmRSS:");
var warm = run();
var times = new List<double>();
for (var i = 0; i < n; i++)
{
    var sw = Stopwatch.StartNew();
    warm = run();
    times.Add(sw.Elapsed.TotalMilliseconds);
}
times.Sort();
var kb = StatusKb("VmHWM:");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{engine} {Path.GetExtension(args[1])}->{format} median {times[n / 2]:F1} ms p90 {times[(int)(n * 0.9)]:F1} ms out {warm.Length} B peak RSS {kb / 1024.0:F0} MB (loaded {loadedKb / 1024.0:F0} MB, +{(kb - loadedKb) / 1024.0:F0} MB while transforming)"));

