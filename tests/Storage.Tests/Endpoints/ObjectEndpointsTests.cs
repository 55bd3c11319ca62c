using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace Supacs.Storage.Tests.Endpoints;

public sealed class ObjectEndpointsTests(StorageHostFixture f) : IClassFixture<StorageHostFixture>, IAsyncLifetime
{
    private static readonly string[] SignPaths = ["signed/s.txt", "nope.txt"];

    public async Task InitializeAsync()
    {
        if (await f.ScalarAsync<long>("SELECT count(*) FROM storage.buckets WHERE id = 'files'") == 0)
        {
            await f.CreateBucketAsync("files");
            await f.CreateBucketAsync("pub", isPublic: true);
            await f.CreateBucketAsync("small", fileSizeLimit: "1kb", mimes: ["image/*"]);
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Raw_upload_then_download_info_and_head()
    {
        var data = Encoding.UTF8.GetBytes("hello world");
        using (var up = await f.SendAsync(HttpMethod.Post, "/object/files/dir/hello.txt", f.ServiceKey, Content(data, "text/plain"),
            r => { r.Headers.CacheControl = CacheControlHeaderValue.Parse("max-age=3600"); r.Headers.Add("x-metadata", Convert.ToBase64String("""{"a":1}"""u8.ToArray())); }))
        {
            var body = await StorageHostFixture.BodyAsync(up);
            Assert.Equal("files/dir/hello.txt", body.GetProperty("Key").GetString());
            Assert.True(Guid.TryParse(body.GetProperty("Id").GetString(), out _));
        }
        using (var get = await f.SendAsync(HttpMethod.Get, "/object/files/dir/hello.txt", f.ServiceKey))
        {
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            Assert.Equal("hello world", await get.Content.ReadAsStringAsync());
            Assert.Equal("text/plain", get.Content.Headers.ContentType!.MediaType);
            Assert.Equal("max-age=3600", get.Headers.CacheControl!.ToString());
            Assert.Equal("\"5eb63bbbe01eeed093cb22bb8f5acdc3\"", get.Headers.ETag!.Tag);
            Assert.Equal("bytes", get.Headers.AcceptRanges.Single());
        }
        using (var info = await f.SendAsync(HttpMethod.Get, "/object/info/files/dir/hello.txt", f.ServiceKey))
        {
            var i = await StorageHostFixture.BodyAsync(info);
            Assert.Equal(11, i.GetProperty("size").GetInt64());
            Assert.Equal("text/plain", i.GetProperty("content_type").GetString());
            Assert.Equal(1, i.GetProperty("metadata").GetProperty("a").GetInt32());
            Assert.Equal("dir/hello.txt", i.GetProperty("name").GetString());
        }
        using var head = await f.SendAsync(HttpMethod.Head, "/object/files/dir/hello.txt", f.ServiceKey);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(11, head.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task Multipart_upload_uses_form_fields()
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent("60"), "cacheControl" },
            { new StringContent("""{"k":"v"}"""), "metadata" },
        };
        var file = new ByteArrayContent("<b>x</b>"u8.ToArray());
        file.Headers.ContentType = new MediaTypeHeaderValue("text/html");
        form.Add(file, "\"\"", "blob");
        using (var up = await f.SendAsync(HttpMethod.Post, "/object/files/form.html", f.ServiceKey, form))
            Assert.Equal(HttpStatusCode.OK, up.StatusCode);
        using var get = await f.SendAsync(HttpMethod.Get, "/object/files/form.html", f.ServiceKey);
        Assert.Equal("<b>x</b>", await get.Content.ReadAsStringAsync());
        Assert.Equal("max-age=60", get.Headers.CacheControl!.ToString());
        Assert.Equal("text/plain", get.Content.Headers.ContentType!.MediaType);
        Assert.Equal("{\"k\": \"v\"}", await f.ScalarAsync<string>("SELECT user_metadata::text FROM storage.objects WHERE name = 'form.html'"));
    }

    [Fact]
    public async Task Duplicate_upload_is_409_and_upsert_replaces_the_blob()
    {
        using (var a = await f.UploadAsync("files", "dup.txt", "one"u8.ToArray())) Assert.Equal(HttpStatusCode.OK, a.StatusCode);
        using (var b = await f.UploadAsync("files", "dup.txt", "two"u8.ToArray()))
        {
            var err = await StorageHostFixture.BodyAsync(b);
            Assert.Equal("409", err.GetProperty("statusCode").GetString());
            Assert.Equal("Duplicate", err.GetProperty("error").GetString());
        }
        using (var c = await f.UploadAsync("files", "dup.txt", "three"u8.ToArray(), upsert: true)) Assert.Equal(HttpStatusCode.OK, c.StatusCode);
        using (var get = await f.SendAsync(HttpMethod.Get, "/object/files/dup.txt", f.ServiceKey))
            Assert.Equal("three", await get.Content.ReadAsStringAsync());
        Assert.Single(f.StoredFiles(), p => p.Contains("/files/dup.txt/", StringComparison.Ordinal));
        using var put = await f.SendAsync(HttpMethod.Put, "/object/files/dup.txt", f.ServiceKey, Content("four"u8.ToArray(), "text/plain"));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Single(f.StoredFiles(), p => p.Contains("/files/dup.txt/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Range_304_and_download_disposition()
    {
        using (var up = await f.UploadAsync("files", "range.bin", Encoding.ASCII.GetBytes("0123456789"), contentType: "application/octet-stream"))
            Assert.True(up.IsSuccessStatusCode);
        using (var part = await f.SendAsync(HttpMethod.Get, "/object/files/range.bin", f.ServiceKey, configure: r => r.Headers.Range = new RangeHeaderValue(2, 4)))
        {
            Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
            Assert.Equal("234", await part.Content.ReadAsStringAsync());
            Assert.Equal("bytes 2-4/10", part.Content.Headers.ContentRange!.ToString());
        }
        string etag;
        using (var full = await f.SendAsync(HttpMethod.Get, "/object/files/range.bin?download=my%20file.bin", f.ServiceKey))
        {
            etag = full.Headers.ETag!.Tag;
            Assert.Equal("attachment; filename=my%20file.bin; filename*=UTF-8''my%20file.bin", full.Content.Headers.ContentDisposition!.ToString());
        }
        using var cached = await f.SendAsync(HttpMethod.Get, "/object/files/range.bin", f.ServiceKey, configure: r => r.Headers.TryAddWithoutValidation("If-None-Match", etag));
        Assert.Equal(HttpStatusCode.NotModified, cached.StatusCode);
    }

    [Fact]
    public async Task Public_route_serves_only_public_buckets()
    {
        using (var up = await f.UploadAsync("pub", "p.txt", "public"u8.ToArray())) Assert.True(up.IsSuccessStatusCode);
        using (var up = await f.UploadAsync("files", "private.txt", "private"u8.ToArray())) Assert.True(up.IsSuccessStatusCode);
        using (var get = await f.SendAsync(HttpMethod.Get, "/object/public/pub/p.txt", token: null))
            Assert.Equal("public", await get.Content.ReadAsStringAsync());
        using (var get = await f.SendAsync(HttpMethod.Get, "/object/public/files/private.txt", token: null))
            Assert.Equal("Bucket not found", (await StorageHostFixture.BodyAsync(get)).GetProperty("message").GetString());
        // Anon on a private bucket without policies: the row is invisible.
        using var anon = await f.SendAsync(HttpMethod.Get, "/object/files/private.txt", f.AnonKey);
        Assert.Equal("Object not found", (await StorageHostFixture.BodyAsync(anon)).GetProperty("message").GetString());
    }

    [Fact]
    public async Task Bucket_limits_reject_big_and_wrong_type_uploads_and_leave_nothing()
    {
        var before = f.StoredFiles().Length;
        using (var big = await f.UploadAsync("small", "big.png", new byte[1001], contentType: "image/png"))
        {
            var err = await StorageHostFixture.BodyAsync(big);
            Assert.Equal("413", err.GetProperty("statusCode").GetString());
            Assert.Equal("Payload too large", err.GetProperty("error").GetString());
        }
        using (var wrong = await f.UploadAsync("small", "doc.txt", new byte[10], contentType: "text/plain"))
        {
            var err = await StorageHostFixture.BodyAsync(wrong);
            Assert.Equal("415", err.GetProperty("statusCode").GetString());
            Assert.Equal("mime type text/plain is not supported", err.GetProperty("message").GetString());
        }
        using (var chunked = await f.SendAsync(HttpMethod.Post, "/object/small/chunked.png", f.ServiceKey, new StreamContent(new MemoryStream(new byte[5000]))
        {
            Headers = { ContentType = new MediaTypeHeaderValue("image/png") },
        }))
            Assert.Equal("413", (await StorageHostFixture.BodyAsync(chunked)).GetProperty("statusCode").GetString());
        using (var ok = await f.UploadAsync("small", "ok.png", new byte[1000], contentType: "image/png")) Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(0L, await f.ScalarAsync<long>("SELECT count(*) FROM storage.objects WHERE bucket_id = 'small' AND name <> 'ok.png'"));
        Assert.Equal(before + 1, f.StoredFiles().Length);
    }

    [Fact]
    public async Task Upload_killed_half_way_leaves_no_row_blob_or_temp_file()
    {
        var before = f.StoredFiles().Length;
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(f.Host.BaseAddress.Host, f.Host.BaseAddress.Port);
            var stream = client.GetStream();
            var head = $"POST /storage/v1/object/files/killed.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {f.ServiceKey}\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000000\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
            await stream.WriteAsync(new byte[300_000]);
            await stream.FlushAsync();
            await Task.Delay(300);
        }
        await Task.Delay(500);
        Assert.Equal(0L, await f.ScalarAsync<long>("SELECT count(*) FROM storage.objects WHERE name = 'killed.bin'"));
        Assert.Equal(before, f.StoredFiles().Length);
    }

    [Fact]
    public async Task Path_traversal_keys_in_bodies_are_invalid_and_touch_nothing()
    {
        using (var up = await f.UploadAsync("files", "trav/src.txt", "x"u8.ToArray())) Assert.True(up.IsSuccessStatusCode);
        var before = f.StoredFiles().Length;
        foreach (var dest in new[] { "../../evil.txt", "a/../../evil.txt", "/abs.txt", "a//b.txt" })
        {
            using var move = await f.JsonAsync(HttpMethod.Post, "/object/move", f.ServiceKey, new { bucketId = "files", sourceKey = "trav/src.txt", destinationKey = dest });
            var err = await StorageHostFixture.BodyAsync(move);
            Assert.Equal("InvalidKey", err.GetProperty("code").GetString());
            using var copy = await f.JsonAsync(HttpMethod.Post, "/object/copy", f.ServiceKey, new { bucketId = "files", sourceKey = "trav/src.txt", destinationKey = dest });
            Assert.Equal("InvalidKey", (await StorageHostFixture.BodyAsync(copy)).GetProperty("code").GetString());
        }
        Assert.Equal(before, f.StoredFiles().Length);
        Assert.Equal(0L, await f.ScalarAsync<long>("SELECT count(*) FROM storage.objects WHERE name LIKE '%evil%' OR name LIKE '%abs%'"));
        Assert.False(File.Exists(Path.Combine(f.DataDir, "evil.txt")));
    }

    [Fact]
    public async Task List_move_copy_and_delete()
    {
        foreach (var k in new[] { "l/a.txt", "l/b.txt", "l/sub/c.txt" })
            using (var up = await f.UploadAsync("files", k, Encoding.UTF8.GetBytes(k))) Assert.True(up.IsSuccessStatusCode);
        using (var list = await f.JsonAsync(HttpMethod.Post, "/object/list/files", f.ServiceKey, new { prefix = "l", limit = 10, offset = 0, sortBy = new { column = "name", order = "asc" } }))
        {
            var arr = (await StorageHostFixture.BodyAsync(list)).EnumerateArray().ToList();
            Assert.Equal(["sub", "a.txt", "b.txt"], arr.Select(e => e.GetProperty("name").GetString()));
            Assert.Equal(System.Text.Json.JsonValueKind.Null, arr[0].GetProperty("id").ValueKind);
            Assert.Equal(7, arr[1].GetProperty("metadata").GetProperty("size").GetInt32());
        }
        using (var move = await f.JsonAsync(HttpMethod.Post, "/object/move", f.ServiceKey, new { bucketId = "files", sourceKey = "l/a.txt", destinationKey = "m/a2.txt" }))
            Assert.Equal("Successfully moved", (await StorageHostFixture.BodyAsync(move)).GetProperty("message").GetString());
        using (var get = await f.SendAsync(HttpMethod.Get, "/object/files/m/a2.txt", f.ServiceKey))
            Assert.Equal("l/a.txt", await get.Content.ReadAsStringAsync());
        using (var copy = await f.JsonAsync(HttpMethod.Post, "/object/copy", f.ServiceKey, new { bucketId = "files", sourceKey = "l/b.txt", destinationKey = "m/b-copy.txt", destinationBucket = "pub" }))
            Assert.Equal("pub/m/b-copy.txt", (await StorageHostFixture.BodyAsync(copy)).GetProperty("Key").GetString());
        using (var get = await f.SendAsync(HttpMethod.Get, "/object/public/pub/m/b-copy.txt", null))
            Assert.Equal("l/b.txt", await get.Content.ReadAsStringAsync());
        using (var del = await f.SendAsync(HttpMethod.Delete, "/object/files/l/sub/c.txt", f.ServiceKey))
            Assert.Equal("""{"message":"Successfully deleted"}""", await del.Content.ReadAsStringAsync());
        using (var many = await f.SendAsync(HttpMethod.Delete, "/object/files", f.ServiceKey,
            new StringContent("""{"prefixes":["m/a2.txt","l/b.txt","nope"]}""", Encoding.UTF8, "application/json")))
            Assert.Equal(2, (await StorageHostFixture.BodyAsync(many)).GetArrayLength());
        Assert.Equal(0L, await f.ScalarAsync<long>("SELECT count(*) FROM storage.objects WHERE bucket_id = 'files' AND (name LIKE 'l/%' OR name LIKE 'm/%')"));
        Assert.DoesNotContain(f.StoredFiles(), p => p.Contains("/files/l/", StringComparison.Ordinal) || p.Contains("/files/m/", StringComparison.Ordinal));
        using var missing = await f.SendAsync(HttpMethod.Delete, "/object/files/l/sub/c.txt", f.ServiceKey);
        Assert.Equal("Object not found", (await StorageHostFixture.BodyAsync(missing)).GetProperty("message").GetString());
    }

    [Fact]
    public async Task Signed_urls_download_and_expire()
    {
        using (var up = await f.UploadAsync("files", "signed/s.txt", "secret"u8.ToArray())) Assert.True(up.IsSuccessStatusCode);
        string url;
        using (var sign = await f.JsonAsync(HttpMethod.Post, "/object/sign/files/signed/s.txt", f.ServiceKey, new { expiresIn = 60 }))
            url = (await StorageHostFixture.BodyAsync(sign)).GetProperty("signedURL").GetString()!;
        Assert.StartsWith("/object/sign/files/signed/s.txt?token=", url, StringComparison.Ordinal);
        using (var get = await f.SendAsync(HttpMethod.Get, url, null))
        {
            Assert.Equal("secret", await get.Content.ReadAsStringAsync());
            // The token's expiry replaces the stored Cache-Control, as upstream.
            var expires = get.Content.Headers.Expires!.Value;
            Assert.InRange(expires, DateTimeOffset.UtcNow.AddSeconds(50), DateTimeOffset.UtcNow.AddSeconds(61));
            Assert.Null(get.Headers.CacheControl);
        }
        using (var plain = await f.SendAsync(HttpMethod.Get, "/object/files/signed/s.txt", f.ServiceKey))
            Assert.NotNull(plain.Headers.CacheControl);
        // A download token is not an upload token: it cannot write the object it reads.
        using (var write = await f.SendAsync(HttpMethod.Put, url.Replace("/object/sign/", "/object/upload/sign/", StringComparison.Ordinal), null,
                   new ByteArrayContent("overwritten"u8.ToArray())))
            Assert.Equal("The token is not valid for this operation", (await StorageHostFixture.BodyAsync(write)).GetProperty("message").GetString());
        using (var still = await f.SendAsync(HttpMethod.Get, "/object/files/signed/s.txt", f.ServiceKey))
            Assert.Equal("secret", await still.Content.ReadAsStringAsync());
        using (var wrong = await f.SendAsync(HttpMethod.Get, url.Replace("s.txt?", "t.txt?", StringComparison.Ordinal), null))
            Assert.Equal("InvalidSignature", (await StorageHostFixture.BodyAsync(wrong)).GetProperty("error").GetString());
        using (var batch = await f.JsonAsync(HttpMethod.Post, "/object/sign/files", f.ServiceKey, new { expiresIn = 60, paths = SignPaths }))
        {
            var arr = (await StorageHostFixture.BodyAsync(batch)).EnumerateArray().ToList();
            Assert.Equal(System.Text.Json.JsonValueKind.Null, arr[0].GetProperty("error").ValueKind);
            Assert.Equal("Either the object does not exist or you do not have access to it", arr[1].GetProperty("error").GetString());
            Assert.Equal(System.Text.Json.JsonValueKind.Null, arr[1].GetProperty("signedURL").ValueKind);
        }
        var expired = Supacs.Testing.TestTokens.Keys.SignPayload($$"""{"url":"files/signed/s.txt","iat":1,"exp":{{DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 120}}}""");
        using var old = await f.SendAsync(HttpMethod.Get, "/object/sign/files/signed/s.txt?token=" + expired, null);
        Assert.Equal("The provided token has expired.", (await StorageHostFixture.BodyAsync(old)).GetProperty("message").GetString());
    }

    [Fact]
    public async Task Signed_upload_url_writes_once()
    {
        string url;
        using (var sign = await f.SendAsync(HttpMethod.Post, "/object/upload/sign/files/up/t.txt", f.ServiceKey))
        {
            var b = await StorageHostFixture.BodyAsync(sign);
            url = b.GetProperty("url").GetString()!;
            Assert.EndsWith(b.GetProperty("token").GetString()!, url, StringComparison.Ordinal);
        }
        using (var put = await f.SendAsync(HttpMethod.Put, url, null, Content("via token"u8.ToArray(), "text/plain")))
            Assert.Equal("files/up/t.txt", (await StorageHostFixture.BodyAsync(put)).GetProperty("Key").GetString());
        using (var again = await f.SendAsync(HttpMethod.Put, url, null, Content("again"u8.ToArray(), "text/plain")))
            Assert.Equal("409", (await StorageHostFixture.BodyAsync(again)).GetProperty("statusCode").GetString());
        using var get = await f.SendAsync(HttpMethod.Get, "/object/files/up/t.txt", f.ServiceKey);
        Assert.Equal("via token", await get.Content.ReadAsStringAsync());
        // ...and an upload token is not a download token.
        using var read = await f.SendAsync(HttpMethod.Get, url.Replace("/object/upload/sign/", "/object/sign/", StringComparison.Ordinal), null);
        Assert.Equal("InvalidSignature", (await StorageHostFixture.BodyAsync(read)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task List_v2_pages_with_cursor_and_folds_folders()
    {
        foreach (var k in new[] { "v2/a.txt", "v2/b/1.txt", "v2/b/2.txt", "v2/c.txt", "v2/d/3.txt" })
            using (var up = await f.UploadAsync("files", k, "x"u8.ToArray())) Assert.True(up.IsSuccessStatusCode);
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            using var res = await f.JsonAsync(HttpMethod.Post, "/object/list-v2/files", f.ServiceKey,
                new Dictionary<string, object?> { ["prefix"] = "v2/", ["limit"] = 2, ["with_delimiter"] = true, ["cursor"] = cursor });
            var b = await StorageHostFixture.BodyAsync(res);
            seen.AddRange(b.GetProperty("folders").EnumerateArray().Select(e => "F:" + e.GetProperty("name").GetString()));
            seen.AddRange(b.GetProperty("objects").EnumerateArray().Select(e => "O:" + e.GetProperty("name").GetString()));
            cursor = b.GetProperty("hasNext").GetBoolean() ? b.GetProperty("nextCursor").GetString() : null;
        }
        while (cursor is not null);
        // Each page lists its folders, then its objects: pages are [a.txt, b/] and [c.txt, d/].
        Assert.Equal(["F:b/", "O:v2/a.txt", "F:d/", "O:v2/c.txt"], seen);

        using var flat = await f.JsonAsync(HttpMethod.Post, "/object/list-v2/files", f.ServiceKey, new { prefix = "v2/b", sortBy = new { column = "name", order = "desc" } });
        var fb = await StorageHostFixture.BodyAsync(flat);
        Assert.False(fb.GetProperty("hasNext").GetBoolean());
        Assert.Equal(["v2/b/2.txt", "v2/b/1.txt"], fb.GetProperty("objects").EnumerateArray().Select(e => e.GetProperty("name").GetString()));
    }

    private static ByteArrayContent Content(byte[] data, string type)
    {
        var c = new ByteArrayContent(data);
        c.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
        return c;
    }
}
