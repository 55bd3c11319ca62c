using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Supacs.Storage.Tests.Backends;

/// <summary>The REST, TUS and S3-protocol flows with blobs in S3 (a peer Supacs's /s3), checked on both sides.</summary>
public sealed class S3BackendTests(S3BackendFixture f) : IClassFixture<S3BackendFixture>
{
    private static readonly string[] CopyKeys = ["cm/copy.txt"];

    private static byte[] RandomBytes(int n)
    {
        var b = new byte[n];
        Random.Shared.NextBytes(b);
        return b;
    }

    private string[] LocalBlobFiles() =>
        Directory.Exists(Path.Combine(f.DataDir, "storage", "stub"))
            ? Directory.GetFiles(Path.Combine(f.DataDir, "storage", "stub"), "*", SearchOption.AllDirectories)
            : [];

    [Fact]
    public async Task Upload_download_range_head_and_the_blob_is_in_s3()
    {
        using (var up = await f.UploadAsync("files", "s3/a.txt", "hello from s3"u8.ToArray())) Assert.True(up.IsSuccessStatusCode, await up.Content.ReadAsStringAsync());
        var version = await f.ScalarAsync<string>("SELECT version FROM storage.objects WHERE name = 's3/a.txt'");
        Assert.Equal([$"stub/files/s3/a.txt/{version}"], await f.PeerKeysAsync("stub/files/s3/a.txt/%"));
        Assert.Empty(LocalBlobFiles());

        using (var get = await f.SendAsync(HttpMethod.Get, "/object/files/s3/a.txt", f.ServiceKey))
        {
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            Assert.Equal("hello from s3", await get.Content.ReadAsStringAsync());
#pragma warning disable CA5351 // S3 ETags are MD5.
            Assert.Equal("\"" + Convert.ToHexStringLower(MD5.HashData("hello from s3"u8.ToArray())) + "\"", get.Headers.ETag!.Tag);
#pragma warning restore CA5351
        }
        using (var range = await f.SendAsync(HttpMethod.Get, "/object/files/s3/a.txt", f.ServiceKey, null, r => r.Headers.Range = new RangeHeaderValue(6, 9)))
        {
            Assert.Equal(HttpStatusCode.PartialContent, range.StatusCode);
            Assert.Equal("from", await range.Content.ReadAsStringAsync());
            Assert.Equal("bytes 6-9/13", range.Content.Headers.ContentRange!.ToString());
        }
        using (var head = await f.SendAsync(HttpMethod.Head, "/object/files/s3/a.txt", f.ServiceKey))
            Assert.Equal(13, head.Content.Headers.ContentLength);
        using (var list = await f.JsonAsync(HttpMethod.Post, "/object/list/files", f.ServiceKey, new { prefix = "s3", limit = 10 }))
            Assert.Contains("a.txt", await list.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Large_upload_goes_up_in_parts_and_streams_back()
    {
        var data = RandomBytes(12 * 1024 * 1024 + 123);
        using (var up = await f.UploadAsync("files", "big/blob.bin", data, contentType: "application/octet-stream"))
            Assert.True(up.IsSuccessStatusCode, await up.Content.ReadAsStringAsync());
        var etag = await f.ScalarAsync<string>("SELECT metadata->>'eTag' FROM storage.objects WHERE name = 'big/blob.bin'");
        Assert.EndsWith("-3\"", etag, StringComparison.Ordinal);
        Assert.Single(await f.PeerKeysAsync("stub/files/big/blob.bin/%"));
        Assert.Equal(0L, await f.PeerScalarAsync("SELECT count(*) FROM storage.s3_multipart_uploads"));
        using var get = await f.SendAsync(HttpMethod.Get, "/object/files/big/blob.bin", f.ServiceKey);
        Assert.Equal(data, await get.Content.ReadAsByteArrayAsync());
        Assert.Equal(etag, get.Headers.ETag!.Tag);
        using var tail = await f.SendAsync(HttpMethod.Get, "/object/files/big/blob.bin", f.ServiceKey, null, r => r.Headers.Range = new RangeHeaderValue(null, 100));
        Assert.Equal(data[^100..], await tail.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Copy_move_and_delete_act_on_the_s3_blobs()
    {
        using (var up = await f.UploadAsync("files", "cm/src.txt", "source"u8.ToArray())) Assert.True(up.IsSuccessStatusCode);
        using (var copy = await f.JsonAsync(HttpMethod.Post, "/object/copy", f.ServiceKey, new { bucketId = "files", sourceKey = "cm/src.txt", destinationKey = "cm/copy.txt", destinationBucket = "other" }))
            Assert.True(copy.IsSuccessStatusCode, await copy.Content.ReadAsStringAsync());
        Assert.Single(await f.PeerKeysAsync("stub/other/cm/copy.txt/%"));
        using (var move = await f.JsonAsync(HttpMethod.Post, "/object/move", f.ServiceKey, new { bucketId = "files", sourceKey = "cm/src.txt", destinationKey = "cm/moved.txt" }))
            Assert.True(move.IsSuccessStatusCode, await move.Content.ReadAsStringAsync());
        Assert.Empty(await f.PeerKeysAsync("stub/files/cm/src.txt/%"));
        Assert.Single(await f.PeerKeysAsync("stub/files/cm/moved.txt/%"));
        using (var get = await f.SendAsync(HttpMethod.Get, "/object/files/cm/moved.txt", f.ServiceKey))
            Assert.Equal("source", await get.Content.ReadAsStringAsync());
        using (var get = await f.SendAsync(HttpMethod.Get, "/object/other/cm/copy.txt", f.ServiceKey))
            Assert.Equal("source", await get.Content.ReadAsStringAsync());
        using (var del = await f.SendAsync(HttpMethod.Delete, "/object/files/cm/moved.txt", f.ServiceKey)) Assert.True(del.IsSuccessStatusCode);
        using (var del = await f.JsonAsync(HttpMethod.Delete, "/object/other", f.ServiceKey, new { prefixes = CopyKeys })) Assert.True(del.IsSuccessStatusCode);
        Assert.Empty(await f.PeerKeysAsync("stub/%/cm/%"));
    }

    [Fact]
    public async Task Upsert_replaces_the_old_s3_blob()
    {
        using (var up = await f.UploadAsync("files", "ups/x.txt", "one"u8.ToArray())) Assert.True(up.IsSuccessStatusCode);
        using (var up = await f.UploadAsync("files", "ups/x.txt", "two!"u8.ToArray(), upsert: true)) Assert.True(up.IsSuccessStatusCode);
        var version = await f.ScalarAsync<string>("SELECT version FROM storage.objects WHERE name = 'ups/x.txt'");
        Assert.Equal([$"stub/files/ups/x.txt/{version}"], await f.PeerKeysAsync("stub/files/ups/x.txt/%"));
    }

    [Fact]
    public async Task Upload_killed_half_way_leaves_no_row_no_s3_blob_and_no_multipart_upload()
    {
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(f.Host.BaseAddress.Host, f.Host.BaseAddress.Port);
            var stream = client.GetStream();
            var head = $"POST /storage/v1/object/files/killed/s3.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {f.ServiceKey}\r\nContent-Type: application/octet-stream\r\nContent-Length: 20000000\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
            // More than one part (5 MiB): the first part reached S3 inside a multipart upload before the client died.
            var chunk = new byte[1024 * 1024];
            for (var i = 0; i < 8; i++) await stream.WriteAsync(chunk);
            await stream.FlushAsync();
            await Task.Delay(1500);
        }
        for (var i = 0; i < 50 && await f.PeerScalarAsync("SELECT count(*) FROM storage.s3_multipart_uploads") > 0; i++) await Task.Delay(100);
        Assert.Equal(0L, await f.ScalarAsync<long>("SELECT count(*) FROM storage.objects WHERE name = 'killed/s3.bin'"));
        Assert.Empty(await f.PeerKeysAsync("stub/files/killed/%"));
        Assert.Equal(0L, await f.PeerScalarAsync("SELECT count(*) FROM storage.s3_multipart_uploads"));
        Assert.Empty(Directory.GetFiles(Path.Combine(f.DataDir, "storage", "tmp")));
        Assert.Empty(Directory.GetDirectories(Path.Combine(f.PeerDataDir, "storage", "multiparts")).SelectMany(d => Directory.GetFiles(d)));
    }

    [Fact]
    public async Task Oversized_upload_is_refused_and_leaves_nothing_in_s3()
    {
        await f.CreateBucketAsync("small", fileSizeLimit: 6 * 1024 * 1024);
        // No Content-Length: the limit is found while streaming, after a first part went up.
        var content = new StreamContent(new MemoryStream(RandomBytes(7 * 1024 * 1024)));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var req = new HttpRequestMessage(HttpMethod.Post, "/storage/v1/object/small/too-big.bin") { Content = content };
        req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", f.ServiceKey);
        req.Headers.TransferEncodingChunked = true;
        using var res = await f.Client.SendAsync(req);
        Assert.Equal("Payload too large", (await StorageHostFixture.BodyAsync(res)).GetProperty("error").GetString());
        Assert.Empty(await f.PeerKeysAsync("stub/small/%"));
        Assert.Equal(0L, await f.PeerScalarAsync("SELECT count(*) FROM storage.s3_multipart_uploads"));
    }

    [Fact]
    public async Task Tus_upload_in_chunks_lands_in_s3()
    {
        static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));
        using var created = await f.SendAsync(HttpMethod.Post, "/upload/resumable", f.ServiceKey, null, r =>
        {
            r.Headers.Add("Tus-Resumable", "1.0.0");
            r.Headers.Add("Upload-Length", "11");
            r.Headers.Add("Upload-Metadata", $"bucketName {B64("files")},objectName {B64("tus/s3.txt")},contentType {B64("text/plain")}");
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var offset = 0;
        foreach (var part in new[] { "hello ", "world" })
        {
            using var patch = new HttpRequestMessage(HttpMethod.Patch, created.Headers.Location)
            {
                Content = new ByteArrayContent(Encoding.UTF8.GetBytes(part)) { Headers = { { "Content-Type", "application/offset+octet-stream" } } },
            };
            patch.Headers.Add("Tus-Resumable", "1.0.0");
            patch.Headers.Add("Upload-Offset", offset.ToString(System.Globalization.CultureInfo.InvariantCulture));
            patch.Headers.Authorization = new AuthenticationHeaderValue("Bearer", f.ServiceKey);
            using var res = await f.Client.SendAsync(patch);
            Assert.Equal(HttpStatusCode.NoContent, res.StatusCode);
            offset += part.Length;
        }
        Assert.Single(await f.PeerKeysAsync("stub/files/tus/s3.txt/%"));
        using var get = await f.SendAsync(HttpMethod.Get, "/object/files/tus/s3.txt", f.ServiceKey);
        Assert.Equal("hello world", await get.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task S3_protocol_multipart_and_part_copy_run_on_the_s3_backend()
    {
        var state = StorageState.Of(f.Host.Project);
        using var s3 = new AmazonS3Client(new BasicAWSCredentials(state.S3AccessKeyId, state.S3SecretAccessKey), new AmazonS3Config
        {
            ServiceURL = f.Host.BaseAddress + "storage/v1/s3", ForcePathStyle = true, AuthenticationRegion = "us-east-1",
        });
        var src = RandomBytes(6 * 1024 * 1024);
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "files", Key = "proto/src.bin", InputStream = new MemoryStream(src) });
        var init = await s3.InitiateMultipartUploadAsync("files", "proto/joined.bin");
        Assert.Equal(1L, await f.PeerScalarAsync("SELECT count(*) FROM storage.s3_multipart_uploads"));
        var p1 = await s3.CopyPartAsync(new CopyPartRequest
        {
            SourceBucket = "files", SourceKey = "proto/src.bin", DestinationBucket = "files", DestinationKey = "proto/joined.bin",
            UploadId = init.UploadId, PartNumber = 1, FirstByte = 0, LastByte = 5 * 1024 * 1024 - 1,
        });
        var p2 = await s3.UploadPartAsync(new UploadPartRequest
        {
            BucketName = "files", Key = "proto/joined.bin", UploadId = init.UploadId, PartNumber = 2, InputStream = new MemoryStream("tail"u8.ToArray()),
        });
        await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = "files", Key = "proto/joined.bin", UploadId = init.UploadId, PartETags = [new PartETag(1, p1.ETag), new PartETag(2, p2.ETag)],
        });
        using var got = await s3.GetObjectAsync("files", "proto/joined.bin");
        using var buffer = new MemoryStream();
        await got.ResponseStream.CopyToAsync(buffer);
        Assert.Equal([.. src[..(5 * 1024 * 1024)], .. "tail"u8.ToArray()], buffer.ToArray());
        Assert.Single(await f.PeerKeysAsync("stub/files/proto/joined.bin/%"));
        Assert.Equal(0L, await f.PeerScalarAsync("SELECT count(*) FROM storage.s3_multipart_uploads"));
    }

    [Fact]
    public async Task Emptying_and_deleting_a_bucket_removes_its_s3_blobs()
    {
        await f.CreateBucketAsync("gone");
        foreach (var k in new[] { "a.txt", "d/b.txt" })
            using (var up = await f.UploadAsync("gone", k, "x"u8.ToArray())) Assert.True(up.IsSuccessStatusCode);
        Assert.Equal(2, (await f.PeerKeysAsync("stub/gone/%")).Count);
        using (var empty = await f.SendAsync(HttpMethod.Post, "/bucket/gone/empty", f.ServiceKey)) Assert.True(empty.IsSuccessStatusCode);
        Assert.Empty(await f.PeerKeysAsync("stub/gone/%"));
        using (var del = await f.SendAsync(HttpMethod.Delete, "/bucket/gone", f.ServiceKey)) Assert.True(del.IsSuccessStatusCode);
    }

    [Fact]
    public async Task Tus_upload_continues_on_another_node_that_shares_only_the_database_and_s3()
    {
        // Node B: same database, same S3 backend, its own (empty) data dir.
        await using var nodeB = await Supacs.Testing.SupacsTestHost.StartAsync(f.Database, s => s.AddSupacsStorage(), app => app.MapSupacsStorage(),
            f.BackendConfig);
        var otherDir = nodeB.Project.DataDir;
        static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));
        using var created = await f.SendAsync(HttpMethod.Post, "/upload/resumable", f.ServiceKey, null, r =>
        {
            r.Headers.Add("Tus-Resumable", "1.0.0");
            r.Headers.Add("Upload-Length", "12");
            r.Headers.Add("Upload-Metadata", $"bucketName {B64("files")},objectName {B64("tus/two-nodes.txt")},contentType {B64("text/plain")}");
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var path = created.Headers.Location!.AbsolutePath;

        async Task<HttpResponseMessage> PatchAsync(HttpClient client, Uri baseAddress, int offset, string data)
        {
            using var patch = new HttpRequestMessage(HttpMethod.Patch, new Uri(baseAddress, path))
            {
                Content = new ByteArrayContent(Encoding.UTF8.GetBytes(data)) { Headers = { { "Content-Type", "application/offset+octet-stream" } } },
            };
            patch.Headers.Add("Tus-Resumable", "1.0.0");
            patch.Headers.Add("Upload-Offset", offset.ToString(System.Globalization.CultureInfo.InvariantCulture));
            patch.Headers.Authorization = new AuthenticationHeaderValue("Bearer", f.ServiceKey);
            return await client.SendAsync(patch);
        }
        using (var a = await PatchAsync(f.Client, f.Host.BaseAddress, 0, "first ")) Assert.Equal(HttpStatusCode.NoContent, a.StatusCode);
        Assert.Equal(2, (await f.PeerKeysAsync("stub-tus/%")).Count); // info + one chunk, in S3
        using (var head = await nodeB.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path)
               { Headers = { { "Tus-Resumable", "1.0.0" }, { "Authorization", "Bearer " + f.ServiceKey } } }))
            Assert.Equal("6", head.Headers.GetValues("Upload-Offset").Single());
        using (var b = await PatchAsync(nodeB.Client, nodeB.BaseAddress, 6, "second")) Assert.Equal(HttpStatusCode.NoContent, b.StatusCode);

        using var get = await f.SendAsync(HttpMethod.Get, "/object/files/tus/two-nodes.txt", f.ServiceKey);
        Assert.Equal("first second", await get.Content.ReadAsStringAsync());
        Assert.Empty(await f.PeerKeysAsync("stub-tus/%"));
        // Nothing staged on either node's disk.
        foreach (var dir in new[] { otherDir, f.DataDir })
            Assert.False(Directory.Exists(Path.Combine(dir, "storage", "tus")) && Directory.EnumerateFiles(Path.Combine(dir, "storage", "tus")).Any());
    }

    [Fact]
    public async Task Abandoned_tus_uploads_are_swept_from_s3()
    {
        static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));
        using var created = await f.SendAsync(HttpMethod.Post, "/upload/resumable", f.ServiceKey,
            new ByteArrayContent("abc"u8.ToArray()) { Headers = { { "Content-Type", "application/offset+octet-stream" } } }, r =>
            {
                r.Headers.Add("Tus-Resumable", "1.0.0");
                r.Headers.Add("Upload-Length", "10");
                r.Headers.Add("Upload-Metadata", $"bucketName {B64("files")},objectName {B64("tus/abandoned.txt")}");
            });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var dir = (await f.PeerKeysAsync("stub-tus/%")).Select(k => k.Split('/')[1]).Distinct().ToList();
        Assert.NotEmpty(dir);
        var tus = (Supacs.Storage.Tus.S3TusStore)StorageState.Of(f.Host.Project).Tus;
        await tus.SweepAsync(DateTime.UtcNow.AddHours(-1));
        Assert.NotEmpty(await f.PeerKeysAsync("stub-tus/%"));
        await tus.SweepAsync(DateTime.UtcNow.AddMinutes(1));
        Assert.Empty(await f.PeerKeysAsync("stub-tus/%"));
        using var head = await f.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, created.Headers.Location)
            { Headers = { { "Tus-Resumable", "1.0.0" }, { "Authorization", "Bearer " + f.ServiceKey } } });
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
    }
}
