namespace Supacs.Storage.Tests.Endpoints;

/// <summary>A project whose config.toml sets the global limit and declares buckets.</summary>
public sealed class ConfiguredFixture : StorageHostFixture
{
    protected override string? ConfigToml => """
        [storage]
        enabled = true
        file_size_limit = "1KiB"
        real_http_status = true
        unicode_keys = true
        s3_protocol_region = "eu-central-1"
        s3_protocol_enforce_region = true

        [storage.buckets.images]
        public = true
        file_size_limit = "512B"
        allowed_mime_types = ["image/png"]

        [storage.buckets.private-docs]
        """;
}

public sealed class ConfigTests(ConfiguredFixture f) : IClassFixture<ConfiguredFixture>
{
    private Amazon.S3.AmazonS3Client S3(string region)
    {
        var state = StorageState.Of(f.Host.Project);
        return new Amazon.S3.AmazonS3Client(new Amazon.Runtime.BasicAWSCredentials(state.S3AccessKeyId, state.S3SecretAccessKey), new Amazon.S3.AmazonS3Config
        {
            ServiceURL = f.Host.BaseAddress + "storage/v1/s3", ForcePathStyle = true, AuthenticationRegion = region,
        });
    }

    [Fact]
    public async Task Enforced_s3_region_refuses_other_regions_even_us_east_1()
    {
        using (var ok = S3("eu-central-1")) Assert.Equal(System.Net.HttpStatusCode.OK, (await ok.ListBucketsAsync()).HttpStatusCode);
        using var wrong = S3("us-east-1");
        var e = await Assert.ThrowsAsync<Amazon.S3.AmazonS3Exception>(() => wrong.ListBucketsAsync());
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, e.StatusCode);
        Assert.Equal("AccessDenied", e.ErrorCode);
        Assert.Equal("Invalid Region", e.Message);
    }

    [Fact]
    public async Task Config_buckets_exist_with_their_settings()
    {
        using var res = await f.SendAsync(HttpMethod.Get, "/bucket", f.ServiceKey);
        var buckets = (await StorageHostFixture.BodyAsync(res)).EnumerateArray().ToDictionary(b => b.GetProperty("id").GetString()!);
        Assert.True(buckets["images"].GetProperty("public").GetBoolean());
        Assert.Equal(512, buckets["images"].GetProperty("file_size_limit").GetInt64());
        Assert.Equal("image/png", buckets["images"].GetProperty("allowed_mime_types")[0].GetString());
        Assert.False(buckets["private-docs"].GetProperty("public").GetBoolean());
    }

    [Fact]
    public async Task Global_and_bucket_limits_apply()
    {
        using (var over = await f.UploadAsync("images", "big.png", new byte[513], contentType: "image/png"))
            Assert.Equal("413", (await StorageHostFixture.BodyAsync(over)).GetProperty("statusCode").GetString());
        using (var ok = await f.UploadAsync("images", "ok.png", new byte[512], contentType: "image/png"))
            Assert.True(ok.IsSuccessStatusCode);
        using (var global = await f.UploadAsync("private-docs", "big.bin", new byte[1025], contentType: "application/pdf"))
            Assert.Equal("413", (await StorageHostFixture.BodyAsync(global)).GetProperty("statusCode").GetString());
        using var bucketOverGlobal = await f.JsonAsync(HttpMethod.Post, "/bucket", f.ServiceKey, new { name = "huge", file_size_limit = "2kb" });
        Assert.Equal("413", (await StorageHostFixture.BodyAsync(bucketOverGlobal)).GetProperty("statusCode").GetString());
    }

    [Fact]
    public async Task Real_http_status_opt_in_keeps_the_body_and_uses_the_semantic_status()
    {
        using var missing = await f.SendAsync(HttpMethod.Get, "/object/images/nope.png", f.ServiceKey);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("404", (await StorageHostFixture.BodyAsync(missing)).GetProperty("statusCode").GetString());
        using var big = await f.UploadAsync("images", "too-big.png", new byte[600], contentType: "image/png");
        Assert.Equal(System.Net.HttpStatusCode.RequestEntityTooLarge, big.StatusCode);
    }

    [Fact]
    public async Task Unicode_keys_opt_in_round_trips_but_still_refuses_traversal()
    {
        using (var up = await f.UploadAsync("private-docs", "r%C3%A9sum%C3%A9/%E6%97%A5%E6%9C%AC.txt", "unicode"u8.ToArray(), contentType: "text/plain"))
            Assert.True(up.IsSuccessStatusCode, await up.Content.ReadAsStringAsync());
        Assert.Equal(1L, await f.ScalarAsync<long>("SELECT count(*) FROM storage.objects WHERE name = 'résumé/日本.txt'"));
        using (var get = await f.SendAsync(HttpMethod.Get, "/object/private-docs/r%C3%A9sum%C3%A9/%E6%97%A5%E6%9C%AC.txt", f.ServiceKey))
            Assert.Equal("unicode", await get.Content.ReadAsStringAsync());
        // Kestrel removes dot segments from paths; keys in bodies are where traversal could come from.
        using var bad = await f.JsonAsync(HttpMethod.Post, "/object/move", f.ServiceKey,
            new { bucketId = "private-docs", sourceKey = "résumé/日本.txt", destinationKey = "../../../evil.txt" });
        Assert.Equal("InvalidKey", (await StorageHostFixture.BodyAsync(bad)).GetProperty("code").GetString());
    }
}
