using System.Net;
using System.Text;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Supacs.Storage.Tests.S3;

/// <summary>The S3 protocol through AWSSDK.S3 (the .NET client) against the real host.</summary>
public sealed class S3ProtocolTests(StorageHostFixture f) : IClassFixture<StorageHostFixture>
{
    private AmazonS3Client Client(AWSCredentials? credentials = null, string region = "us-east-1")
    {
        var state = StorageState.Of(f.Host.Project);
        return new AmazonS3Client(credentials ?? new BasicAWSCredentials(state.S3AccessKeyId, state.S3SecretAccessKey), new AmazonS3Config
        {
            ServiceURL = f.Host.BaseAddress + "storage/v1/s3",
            ForcePathStyle = true,
            AuthenticationRegion = region,
        });
    }

    [Theory]
    [InlineData("local")]
    [InlineData("auto")]
    [InlineData("us-east-1")]
    public async Task Server_region_auto_and_us_east_1_are_accepted(string region)
    {
        using var s3 = Client(region: region);
        Assert.Equal(HttpStatusCode.OK, (await s3.ListBucketsAsync()).HttpStatusCode);
    }

    [Fact]
    public async Task Another_region_is_checked_as_the_servers_and_fails_the_signature()
    {
        using var s3 = Client(region: "eu-west-3");
        var e = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.ListBucketsAsync());
        Assert.Equal(HttpStatusCode.Forbidden, e.StatusCode);
        Assert.Equal("SignatureDoesNotMatch", e.ErrorCode);
    }

    [Fact]
    public async Task Response_overrides_set_get_object_headers()
    {
        using var s3 = Client();
        await s3.PutBucketAsync("overrides");
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "overrides", Key = "r.txt", ContentBody = "body", ContentType = "text/plain" });
        var get = new GetObjectRequest { BucketName = "overrides", Key = "r.txt" };
        get.ResponseHeaderOverrides.ContentType = "application/x-custom";
        get.ResponseHeaderOverrides.ContentDisposition = "attachment; filename=\"x.txt\"";
        get.ResponseHeaderOverrides.CacheControl = "max-age=60";
        using var got = await s3.GetObjectAsync(get);
        Assert.Equal("application/x-custom", got.Headers.ContentType);
        Assert.Equal("attachment; filename=\"x.txt\"", got.Headers.ContentDisposition);
        Assert.Equal("max-age=60", got.Headers.CacheControl);
        using var plain = await s3.GetObjectAsync("overrides", "r.txt");
        Assert.Equal("text/plain", plain.Headers.ContentType);
    }

    [Fact]
    public async Task Put_get_list_copy_delete_with_the_dotnet_sdk()
    {
        using var s3 = Client();
        await s3.PutBucketAsync("dotnet");
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "dotnet", Key = "dir/a.txt", ContentBody = "from dotnet", ContentType = "text/plain" });
        using (var got = await s3.GetObjectAsync("dotnet", "dir/a.txt"))
        using (var reader = new StreamReader(got.ResponseStream))
            Assert.Equal("from dotnet", await reader.ReadToEndAsync());
        await s3.CopyObjectAsync("dotnet", "dir/a.txt", "dotnet", "dir/b.txt");
        var list = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "dotnet", Prefix = "dir/" });
        Assert.Equal(["dir/a.txt", "dir/b.txt"], list.S3Objects.Select(o => o.Key));
        await s3.DeleteObjectAsync("dotnet", "dir/a.txt");
        var e = await Assert.ThrowsAsync<NoSuchKeyException>(() => s3.GetObjectAsync("dotnet", "dir/a.txt"));
        Assert.Equal(HttpStatusCode.NotFound, e.StatusCode);
        Assert.Equal("NoSuchKey", e.ErrorCode);
        Assert.Equal(1L, await f.ScalarAsync<long>("SELECT count(*) FROM storage.objects WHERE bucket_id = 'dotnet'"));
    }

    [Fact]
    public async Task Multipart_upload_with_the_dotnet_sdk()
    {
        using var s3 = Client();
        await s3.PutBucketAsync("dotnet-multi");
        var init = await s3.InitiateMultipartUploadAsync("dotnet-multi", "m.bin");
        var part1 = new byte[200_000];
        Random.Shared.NextBytes(part1);
        var r1 = await s3.UploadPartAsync(new UploadPartRequest { BucketName = "dotnet-multi", Key = "m.bin", UploadId = init.UploadId, PartNumber = 1, InputStream = new MemoryStream(part1) });
        var r2 = await s3.UploadPartAsync(new UploadPartRequest { BucketName = "dotnet-multi", Key = "m.bin", UploadId = init.UploadId, PartNumber = 2, InputStream = new MemoryStream("tail"u8.ToArray()) });
        await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = "dotnet-multi", Key = "m.bin", UploadId = init.UploadId,
            PartETags = [new PartETag(1, r1.ETag), new PartETag(2, r2.ETag)],
        });
        var meta = await s3.GetObjectMetadataAsync("dotnet-multi", "m.bin");
        Assert.Equal(200_004, meta.ContentLength);
    }

    [Fact]
    public async Task Wrong_secret_is_signature_mismatch()
    {
        using var s3 = Client(new BasicAWSCredentials(StorageState.Of(f.Host.Project).S3AccessKeyId, "wrong-secret"));
        var e = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.ListBucketsAsync());
        Assert.Equal(HttpStatusCode.Forbidden, e.StatusCode);
        Assert.Equal("SignatureDoesNotMatch", e.ErrorCode);
    }

    [Fact]
    public void Derived_credentials_are_stable_and_public_for_the_cli()
    {
        var (id, secret) = SupacsStorageExtensions.S3Credentials(Supacs.Testing.TestTokens.Secret);
        Assert.Equal(StorageState.Of(f.Host.Project).S3AccessKeyId, id);
        Assert.Equal(StorageState.Of(f.Host.Project).S3SecretAccessKey, secret);
        Assert.Equal(32, id.Length);
        Assert.Equal(64, secret.Length);
        Assert.NotEqual(id, SupacsStorageExtensions.S3Credentials("another-secret-of-at-least-32-characters!!").AccessKeyId);
    }

    private static byte[] Hmac(byte[] key, string data) => System.Security.Cryptography.HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    /// <summary>A browser POST form signed as AWS documents it (policy base64, signature = HMAC(signing key, policy)).</summary>
    private MultipartFormDataContent PostForm(string key, DateTime expires, long max, byte[] file, string? secretOverride = null, string status = "201",
        string? extraField = null)
    {
        var state = StorageState.Of(f.Host.Project);
        var now = DateTime.UtcNow;
        var date = now.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);
        var amzDate = now.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var credential = $"{state.S3AccessKeyId}/{date}/us-east-1/s3/aws4_request";
        var policyJson = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $$"""{"expiration":"{{expires:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}}","conditions":[{"bucket":"post"},["starts-with","$key","uploads/"],["content-length-range",1,{{max}}],{"success_action_status":"201"},{"x-amz-algorithm":"AWS4-HMAC-SHA256"},{"x-amz-credential":"{{credential}}"},{"x-amz-date":"{{amzDate}}"},["starts-with","$Content-Type","text/"],["starts-with","$x-amz-meta-origin",""]]}""");
        var policy = Convert.ToBase64String(Encoding.UTF8.GetBytes(policyJson));
        var k = Hmac(Encoding.UTF8.GetBytes("AWS4" + (secretOverride ?? state.S3SecretAccessKey)), date);
        k = Hmac(Hmac(Hmac(k, "us-east-1"), "s3"), "aws4_request");
        var form = new MultipartFormDataContent
        {
            { new StringContent(key), "key" },
            { new StringContent("AWS4-HMAC-SHA256"), "x-amz-algorithm" },
            { new StringContent(credential), "x-amz-credential" },
            { new StringContent(amzDate), "x-amz-date" },
            { new StringContent(policy), "policy" },
            { new StringContent(Convert.ToHexStringLower(Hmac(k, policy))), "x-amz-signature" },
            { new StringContent(status), "success_action_status" },
            { new StringContent("text/plain"), "Content-Type" },
            { new StringContent("form"), "x-amz-meta-origin" },
        };
        if (extraField is not null) form.Add(new StringContent("x"), extraField);
        form.Add(new ByteArrayContent(file), "file", "hello.txt");
        return form;
    }

    [Fact]
    public async Task Post_object_form_upload_with_a_presigned_policy()
    {
        using (var s3 = Client()) await s3.PutBucketAsync("post");
        var url = new Uri(f.Host.BaseAddress, "storage/v1/s3/post");
        using (var res = await f.Client.PostAsync(url, PostForm("uploads/${filename}", DateTime.UtcNow.AddMinutes(5), 100, "posted!"u8.ToArray())))
        {
            var xml = await res.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.Created, res.StatusCode);
            Assert.Contains("<Key>uploads/hello.txt</Key>", xml, StringComparison.Ordinal);
        }
        using (var s3 = Client())
        using (var got = await s3.GetObjectAsync("post", "uploads/hello.txt"))
        using (var reader = new StreamReader(got.ResponseStream))
        {
            Assert.Equal("posted!", await reader.ReadToEndAsync());
            Assert.Equal("text/plain", got.Headers.ContentType);
            Assert.Equal("form", got.Metadata["origin"]);
        }

        async Task<(HttpStatusCode, string)> PostAsync(MultipartFormDataContent form)
        {
            using var res = await f.Client.PostAsync(url, form);
            return (res.StatusCode, await res.Content.ReadAsStringAsync());
        }
        var (st, body) = await PostAsync(PostForm("other/x.txt", DateTime.UtcNow.AddMinutes(5), 100, "x"u8.ToArray()));
        Assert.Equal(HttpStatusCode.Forbidden, st);
        Assert.Contains("starts-with", body, StringComparison.Ordinal);
        (st, body) = await PostAsync(PostForm("uploads/big.txt", DateTime.UtcNow.AddMinutes(5), 10, new byte[11]));
        Assert.Equal(HttpStatusCode.BadRequest, st);
        Assert.Contains("EntityTooLarge", body, StringComparison.Ordinal);
        (st, body) = await PostAsync(PostForm("uploads/old.txt", DateTime.UtcNow.AddMinutes(-1), 100, "x"u8.ToArray()));
        Assert.Equal(HttpStatusCode.Forbidden, st);
        Assert.Contains("Policy expired", body, StringComparison.Ordinal);
        (st, body) = await PostAsync(PostForm("uploads/forged.txt", DateTime.UtcNow.AddMinutes(5), 100, "x"u8.ToArray(), secretOverride: "not-the-secret"));
        Assert.Equal(HttpStatusCode.Forbidden, st);
        Assert.Contains("SignatureDoesNotMatch", body, StringComparison.Ordinal);
        (st, body) = await PostAsync(PostForm("uploads/extra.txt", DateTime.UtcNow.AddMinutes(5), 100, "x"u8.ToArray(), extraField: "Cache-Control"));
        Assert.Equal(HttpStatusCode.Forbidden, st);
        Assert.Contains("Extra input fields: Cache-Control", body, StringComparison.Ordinal);
        using (var ignored = await f.Client.PostAsync(url, PostForm("uploads/ignored.txt", DateTime.UtcNow.AddMinutes(5), 100, "y"u8.ToArray(), extraField: "x-ignore-me")))
            Assert.Equal(HttpStatusCode.Created, ignored.StatusCode);
        Assert.Equal(2L, await f.ScalarAsync<long>("SELECT count(*) FROM storage.objects WHERE bucket_id = 'post'"));
    }

    [Fact]
    public async Task Copy_source_conditions_are_preconditions()
    {
        using var s3 = Client();
        await s3.PutBucketAsync("conditional");
        var put = await s3.PutObjectAsync(new PutObjectRequest { BucketName = "conditional", Key = "src.txt", ContentBody = "v1" });
        var wrong = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.CopyObjectAsync(new CopyObjectRequest
        {
            SourceBucket = "conditional", SourceKey = "src.txt", DestinationBucket = "conditional", DestinationKey = "a.txt", ETagToMatch = "\"0000\"",
        }));
        Assert.Equal(HttpStatusCode.PreconditionFailed, wrong.StatusCode);
        Assert.Equal("PreconditionFailed", wrong.ErrorCode);
        var same = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.CopyObjectAsync(new CopyObjectRequest
        {
            SourceBucket = "conditional", SourceKey = "src.txt", DestinationBucket = "conditional", DestinationKey = "b.txt", ETagToNotMatch = put.ETag,
        }));
        Assert.Equal(HttpStatusCode.PreconditionFailed, same.StatusCode);
        await s3.CopyObjectAsync(new CopyObjectRequest
        {
            SourceBucket = "conditional", SourceKey = "src.txt", DestinationBucket = "conditional", DestinationKey = "c.txt", ETagToMatch = put.ETag,
        });
        var list = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "conditional" });
        Assert.Equal(["c.txt", "src.txt"], list.S3Objects.Select(o => o.Key));
    }
}
