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
        }
        Assert.Equal(0L, await f.ScalarAsync<long>("SELECT count(*) FROM storage.objects WHERE name = 'two/parts.txt'"));
        using (var conflict = await PatchAsync(location, 0, "x"u8.ToArray())) Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        using (var second = await PatchAsync(location, 6, "world"u8.ToArray())) Assert.Equal(HttpStatusCode.NoContent, second.StatusCode);
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
}
