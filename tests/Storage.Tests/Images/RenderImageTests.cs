using System.Net;
using System.Net.Http.Headers;
using SkiaSharp;

namespace Supacs.Storage.Tests.Images;

public sealed class RenderImageTests(StorageHostFixture f) : IClassFixture<StorageHostFixture>, IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        if (await f.ScalarAsync<long>("SELECT count(*) FROM storage.buckets WHERE id = 'img'") > 0) return;
        await f.CreateBucketAsync("img", isPublic: true);
        using var up = await f.UploadAsync("img", "wide.png", Png(400, 200), contentType: "image/png");
        Assert.True(up.IsSuccessStatusCode);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static byte[] Png(int w, int h)
    {
        using var bitmap = new SKBitmap(w, h);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.Red);
            canvas.DrawRect(0, 0, w / 2f, h, new SKPaint { Color = SKColors.Blue });
        }
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private async Task<(int W, int H, string Type)> RenderAsync(string path, string? token = null, string? accept = null)
    {
        using var res = await f.SendAsync(HttpMethod.Get, path, token, configure: r => { if (accept is not null) r.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept)); });
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        var bytes = await res.Content.ReadAsByteArrayAsync();
        using var bmp = SKBitmap.Decode(bytes);
        return (bmp.Width, bmp.Height, res.Content.Headers.ContentType!.MediaType!);
    }

    [Theory]
    [InlineData("width=100", 100, 50)]
    [InlineData("height=50", 100, 50)]
    [InlineData("width=100&height=100", 100, 100)]
    [InlineData("width=100&height=100&resize=contain", 100, 50)]
    [InlineData("width=100&height=100&resize=fill", 100, 100)]
    public async Task Resizes_like_imgproxy(string query, int w, int h)
    {
        var (rw, rh, type) = await RenderAsync("/render/image/public/img/wide.png?" + query);
        Assert.Equal((w, h), (rw, rh));
        Assert.Equal("image/png", type);
    }

    [Fact]
    public async Task Format_webp_and_accept_negotiation()
    {
        Assert.Equal("image/webp", (await RenderAsync("/render/image/public/img/wide.png?width=50&format=webp")).Type);
        Assert.Equal("image/webp", (await RenderAsync("/render/image/authenticated/img/wide.png?width=50", f.ServiceKey, "image/webp")).Type);
        Assert.Equal("image/png", (await RenderAsync("/render/image/authenticated/img/wide.png?width=50&format=origin", f.ServiceKey, "image/webp")).Type);
    }

    [Fact]
    public async Task Signed_render_url_uses_the_tokens_transformations()
    {
        using var sign = await f.JsonAsync(HttpMethod.Post, "/object/sign/img/wide.png", f.ServiceKey, new { expiresIn = 60, transform = new { width = 40, height = 40 } });
        var url = (await StorageHostFixture.BodyAsync(sign)).GetProperty("signedURL").GetString()!;
        Assert.StartsWith("/render/image/sign/img/wide.png?token=", url, StringComparison.Ordinal);
        var (w, h, _) = await RenderAsync(url + "&width=300");
        Assert.Equal((40, 40), (w, h));
    }

    [Fact]
    public async Task Bad_options_and_non_images_are_refused()
    {
        using (var bad = await f.SendAsync(HttpMethod.Get, "/render/image/public/img/wide.png?quality=5", null))
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using (var up = await f.UploadAsync("img", "notes.txt", "not an image"u8.ToArray())) Assert.True(up.IsSuccessStatusCode);
        using var txt = await f.SendAsync(HttpMethod.Get, "/render/image/public/img/notes.txt?width=10", null);
        Assert.Equal("422", (await StorageHostFixture.BodyAsync(txt)).GetProperty("statusCode").GetString());
    }
}
