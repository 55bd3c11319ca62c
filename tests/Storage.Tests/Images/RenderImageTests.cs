using System.Net;
using System.Net.Http.Headers;
using NetVips;

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

    /// <summary>A w×h PNG, blue left half, red right half.</summary>
    private static byte[] Png(int w, int h)
    {
        using var black = Image.Black(w / 2, h);
        using var left = black.NewFromImage(0, 0, 255);
        using var black2 = Image.Black(w - w / 2, h);
        using var right = black2.NewFromImage(255, 0, 0);
        using var joined = left.Join(right, Enums.Direction.Horizontal);
        return joined.PngsaveBuffer();
    }

    private async Task<(int W, int H, string Type)> RenderAsync(string path, string? token = null, string? accept = null)
    {
        using var res = await f.SendAsync(HttpMethod.Get, path, token, configure: r => { if (accept is not null) r.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept)); });
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        var bytes = await res.Content.ReadAsByteArrayAsync();
        using var img = Image.NewFromBuffer(bytes);
        return (img.Width, img.Height, res.Content.Headers.ContentType!.MediaType!);
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
    public async Task Format_avif_is_real_avif()
    {
        using var res = await f.SendAsync(HttpMethod.Get, "/render/image/public/img/wide.png?width=120&height=60&format=avif&quality=60", null);
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Equal("image/avif", res.Content.Headers.ContentType!.MediaType);
        var bytes = await res.Content.ReadAsByteArrayAsync();
        Assert.Equal("ftypavif", System.Text.Encoding.ASCII.GetString(bytes, 4, 8));
        using var img = Image.NewFromBuffer(bytes);
        Assert.Equal((120, 60), (img.Width, img.Height));
        Assert.StartsWith("heifload", (string)img.Get("vips-loader"), StringComparison.Ordinal);
        // Left half blue, right half red survive the round trip.
        var left = img.Getpoint(20, 30);
        var right = img.Getpoint(100, 30);
        Assert.True(left[2] > 180 && left[0] < 80, string.Join(",", left));
        Assert.True(right[0] > 180 && right[2] < 80, string.Join(",", right));
    }

    [Fact]
    public async Task Cover_crops_the_centre()
    {
        // 400×200 → 100×100 cover keeps the middle 200×200: blue on the left, red on the right.
        using var res = await f.SendAsync(HttpMethod.Get, "/render/image/public/img/wide.png?width=100&height=100", null);
        using var img = Image.NewFromBuffer(await res.Content.ReadAsByteArrayAsync());
        Assert.True(img.Getpoint(10, 50)[2] > 200);
        Assert.True(img.Getpoint(90, 50)[0] > 200);
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
