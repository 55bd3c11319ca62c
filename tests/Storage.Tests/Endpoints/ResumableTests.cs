using System.Net;
using System.Text;

namespace Supacs.Storage.Tests.Endpoints;

public sealed class ResumableFixture : StorageHostFixture
{
    protected override Task InitializeDatabaseAsync(Supacs.Testing.TestDatabase database) => database.ExecuteAsync("""
        INSERT INTO storage.buckets (id, name) VALUES ('tus', 'tus');
        CREATE POLICY "own insert" ON storage.objects FOR INSERT TO authenticated
          WITH CHECK (bucket_id = 'tus' AND auth.uid()::text = (storage.foldername(name))[1]);
        """);
}

/// <summary>TUS 1.0 at /upload/resumable over raw HTTP.</summary>
public sealed class ResumableTests(ResumableFixture f) : IClassFixture<ResumableFixture>
{
    private static string Meta(string bucket, string name) =>
        $"bucketName {Convert.ToBase64String(Encoding.UTF8.GetBytes(bucket))},objectName {Convert.ToBase64String(Encoding.UTF8.GetBytes(name))},contentType dGV4dC9wbGFpbg==";

    private async Task<HttpResponseMessage> CreateAsync(string name, long length, string? token = null, byte[]? data = null)
    {
        var content = data is null ? null : new ByteArrayContent(data) { Headers = { { "Content-Type", "application/offset+octet-stream" } } };
        return await f.SendAsync(HttpMethod.Post, "/upload/resumable", token ?? f.ServiceKey, content, r =>
        {
            r.Headers.Add("Tus-Resumable", "1.0.0");
            r.Headers.Add("Upload-Length", length.ToString(System.Globalization.CultureInfo.InvariantCulture));
            r.Headers.Add("Upload-Metadata", Meta("tus", name));
        });
    }

    private async Task<HttpResponseMessage> PatchAsync(Uri location, long offset, byte[] data, string? token = null)
    {
        using var req = new HttpRequestMessage(HttpMethod.Patch, location)
        {
            Content = new ByteArrayContent(data) { Headers = { { "Content-Type", "application/offset+octet-stream" } } },
        };
        req.Headers.Add("Tus-Resumable", "1.0.0");
        req.Headers.Add("Upload-Offset", offset.ToString(System.Globalization.CultureInfo.InvariantCulture));
        req.Headers.Authorization = new("Bearer", token ?? f.ServiceKey);
        return await f.Client.SendAsync(req);
    }

    [Fact]
    public async Task Create_patch_in_two_parts_then_the_object_exists()
    {
        using var created = await CreateAsync("two/parts.txt", 11);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var location = created.Headers.Location!;
        Assert.StartsWith(f.Host.BaseAddress + "storage/v1/upload/resumable/", location.ToString(), StringComparison.Ordinal);
        using (var first = await PatchAsync(location, 0, "hello "u8.ToArray()))
        {
            Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
            Assert.Equal("6", first.Headers.GetValues("Upload-Offset").Single());
            Assert.False(first.Headers.Contains("Tus-Complete"));
        }
        Assert.Equal(0L, await f.ScalarAsync<long>("SELECT count(*) FROM storage.objects WHERE name = 'two/parts.txt'"));
        using (var conflict = await PatchAsync(location, 0, "x"u8.ToArray())) Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        using (var second = await PatchAsync(location, 6, "world"u8.ToArray()))
        {
            Assert.Equal(HttpStatusCode.NoContent, second.StatusCode);
            Assert.Equal("1", second.Headers.GetValues("Tus-Complete").Single());
        }
        using var get = await f.SendAsync(HttpMethod.Get, "/object/tus/two/parts.txt", f.ServiceKey);
        Assert.Equal("hello world", await get.Content.ReadAsStringAsync());
        Assert.Equal("text/plain", get.Content.Headers.ContentType!.MediaType);
        Assert.Equal("\"5eb63bbbe01eeed093cb22bb8f5acdc3\"", get.Headers.ETag!.Tag);
        var stem = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(location.Segments[^1])));
        Assert.Empty(Directory.GetFiles(Path.Combine(f.DataDir, "storage", "tus"), stem + ".*"));
    }

    [Fact]
    public async Task Creation_with_upload_completes_in_one_request()
    {
        using var created = await CreateAsync("one-shot.txt", 3, data: "abc"u8.ToArray());
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("3", created.Headers.GetValues("Upload-Offset").Single());
        Assert.Equal(1L, await f.ScalarAsync<long>("SELECT count(*) FROM storage.objects WHERE name = 'one-shot.txt'"));
    }

    [Fact]
    public async Task Rls_is_checked_with_real_http_statuses()
    {
        var user = StorageHostFixture.UserToken(StorageHostFixture.Alice);
        using (var own = await CreateAsync($"{StorageHostFixture.Alice}/v.bin", 1, user)) Assert.Equal(HttpStatusCode.Created, own.StatusCode);
        using var other = await CreateAsync($"{StorageHostFixture.Bob}/v.bin", 1, user);
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        Assert.Equal("403", (await StorageHostFixture.BodyAsync(other)).GetProperty("statusCode").GetString());
    }

    [Fact]
    public async Task Head_reports_offset_and_delete_terminates()
    {
        using var created = await CreateAsync("head.txt", 10);
        var location = created.Headers.Location!;
        using (var p = await PatchAsync(location, 0, "1234"u8.ToArray())) Assert.Equal(HttpStatusCode.NoContent, p.StatusCode);
        using (var head = await f.SendAsync(HttpMethod.Head, location.AbsolutePath["/storage/v1".Length..], f.ServiceKey))
        {
            Assert.Equal("4", head.Headers.GetValues("Upload-Offset").Single());
            Assert.Equal("10", head.Headers.GetValues("Upload-Length").Single());
        }
        using (var del = await f.SendAsync(HttpMethod.Delete, location.AbsolutePath["/storage/v1".Length..], f.ServiceKey))
            Assert.Equal(HttpStatusCode.NoContent, del.StatusCode);
        using var gone = await PatchAsync(location, 4, "5"u8.ToArray());
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    private async Task<HttpResponseMessage> CreateDeferredAsync(string name) =>
        await f.SendAsync(HttpMethod.Post, "/upload/resumable", f.ServiceKey, null, r =>
        {
            r.Headers.Add("Tus-Resumable", "1.0.0");
            r.Headers.Add("Upload-Defer-Length", "1");
            r.Headers.Add("Upload-Metadata", Meta("tus", name));
        });

    [Fact]
    public async Task Deferred_length_is_declared_by_a_later_patch()
    {
        using var created = await CreateDeferredAsync("deferred.txt");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var location = created.Headers.Location!;
        using (var head = await f.SendAsync(HttpMethod.Head, location.AbsolutePath["/storage/v1".Length..], f.ServiceKey))
        {
            Assert.Equal("1", head.Headers.GetValues("Upload-Defer-Length").Single());
            Assert.False(head.Headers.Contains("Upload-Length"));
        }
        using (var first = await PatchAsync(location, 0, "hello "u8.ToArray())) Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        Assert.Equal(0L, await f.ScalarAsync<long>("SELECT count(*) FROM storage.objects WHERE name = 'deferred.txt'"));
        using (var bad = await PatchWithLengthAsync(location, 6, "world"u8.ToArray(), 3)) Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using (var last = await PatchWithLengthAsync(location, 6, "world"u8.ToArray(), 11)) Assert.Equal(HttpStatusCode.NoContent, last.StatusCode);
        using var get = await f.SendAsync(HttpMethod.Get, "/object/tus/deferred.txt", f.ServiceKey);
        Assert.Equal("hello world", await get.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Deferred_length_over_the_limit_is_refused()
    {
        using var created = await CreateDeferredAsync("deferred-big.txt");
        using var res = await PatchWithLengthAsync(created.Headers.Location!, 0, "x"u8.ToArray(), 100L * 1024 * 1024);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, res.StatusCode);
    }

    [Fact]
    public async Task Options_lists_creation_defer_length()
    {
        using var res = await f.SendAsync(HttpMethod.Options, "/upload/resumable", null);
        Assert.Contains("creation-defer-length", res.Headers.GetValues("Tus-Extension").Single(), StringComparison.Ordinal);
    }

    private async Task<HttpResponseMessage> PatchWithLengthAsync(Uri location, long offset, byte[] data, long length)
    {
        using var req = new HttpRequestMessage(HttpMethod.Patch, location)
        {
            Content = new ByteArrayContent(data) { Headers = { { "Content-Type", "application/offset+octet-stream" } } },
        };
        req.Headers.Add("Tus-Resumable", "1.0.0");
        req.Headers.Add("Upload-Offset", offset.ToString(System.Globalization.CultureInfo.InvariantCulture));
        req.Headers.Add("Upload-Length", length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        req.Headers.Authorization = new("Bearer", f.ServiceKey);
        return await f.Client.SendAsync(req);
    }

    [Fact]
    public async Task Two_nodes_on_one_database_serialise_patches_of_one_upload()
    {
        // A second node: same database, same data dir, its own process state (no shared in-memory lock).
        await using var second = await Supacs.Testing.SupacsTestHost.StartAsync(f.Database, s => s.AddSupacsStorage(), app => app.MapSupacsStorage(),
            null, f.DataDir);
        using var created = await CreateAsync("two-nodes.txt", 10);
        var path = created.Headers.Location!.AbsolutePath;

        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(f.Host.BaseAddress.Host, f.Host.BaseAddress.Port);
        var stream = client.GetStream();
        var head = $"PATCH {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {f.ServiceKey}\r\nTus-Resumable: 1.0.0\r\n" +
                   "Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: 10\r\n\r\nAAAAA";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.FlushAsync();
        var part = Path.Combine(f.DataDir, "storage", "tus",
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(created.Headers.Location!.Segments[^1]))) + ".part");
        for (var i = 0; i < 50 && new FileInfo(part).Length < 5; i++) await Task.Delay(50);
        Assert.Equal(5, new FileInfo(part).Length);

        // Node B sees offset 5 on disk and PATCHes there: without a cross-node lock it would write into the same upload now.
        using var bReq = new HttpRequestMessage(HttpMethod.Patch, new Uri(second.BaseAddress, path))
        {
            Content = new ByteArrayContent("BBBBB"u8.ToArray()) { Headers = { { "Content-Type", "application/offset+octet-stream" } } },
        };
        bReq.Headers.Add("Tus-Resumable", "1.0.0");
        bReq.Headers.Add("Upload-Offset", "5");
        bReq.Headers.Authorization = new("Bearer", f.ServiceKey);
        var b = second.Client.SendAsync(bReq);
        await Task.Delay(800);
        Assert.False(b.IsCompleted, "node B's PATCH must wait for node A's");

        await stream.WriteAsync("aaaaa"u8.ToArray());
        await stream.FlushAsync();
        var buffer = new byte[1024];
        var n = await stream.ReadAsync(buffer);
        Assert.StartsWith("HTTP/1.1 204", Encoding.ASCII.GetString(buffer, 0, n), StringComparison.Ordinal);
        using var bRes = await b;
        Assert.NotEqual(HttpStatusCode.NoContent, bRes.StatusCode);
        using var get = await f.SendAsync(HttpMethod.Get, "/object/tus/two-nodes.txt", f.ServiceKey);
        Assert.Equal("AAAAAaaaaa", await get.Content.ReadAsStringAsync());
    }
}
