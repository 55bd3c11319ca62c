using System.Net;
using System.Text;

namespace Supacs.Storage.Tests.Endpoints;

/// <summary>Malformed bodies get Supabase's error bodies and leave storage and database unchanged.</summary>
public sealed class BadInputTests(StorageHostFixture f) : IClassFixture<StorageHostFixture>, IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        if (await f.ScalarAsync<long>("SELECT count(*) FROM storage.buckets WHERE id = 'bad'") == 0) await f.CreateBucketAsync("bad");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Multipart_without_boundary_or_file_is_refused()
    {
        var noBoundary = new ByteArrayContent("whatever"u8.ToArray());
        noBoundary.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data");
        using (var res = await f.SendAsync(HttpMethod.Post, "/object/bad/a.txt", f.ServiceKey, noBoundary))
            Assert.Equal("400", (await StorageHostFixture.BodyAsync(res)).GetProperty("statusCode").GetString());
        using var onlyFields = new MultipartFormDataContent { { new StringContent("60"), "cacheControl" } };
        using (var res = await f.SendAsync(HttpMethod.Post, "/object/bad/b.txt", f.ServiceKey, onlyFields))
            Assert.Equal("400", (await StorageHostFixture.BodyAsync(res)).GetProperty("statusCode").GetString());
        var truncated = new ByteArrayContent(Encoding.ASCII.GetBytes("--XX\r\nContent-Disposition: form-data; name=\"\"; filename=\"f\"\r\n\r\nabc"));
        truncated.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=XX");
        using (var res = await f.SendAsync(HttpMethod.Post, "/object/bad/c.txt", f.ServiceKey, truncated))
            Assert.Equal(HttpStatusCode.BadRequest, res.StatusCode);
        Assert.Equal(0L, await f.ScalarAsync<long>("SELECT count(*) FROM storage.objects WHERE bucket_id = 'bad'"));
        Assert.Empty(Directory.GetFiles(Path.Combine(f.DataDir, "storage", "tmp")));
    }

    [Fact]
    public async Task Invalid_json_and_metadata_are_refused()
    {
        using (var res = await f.SendAsync(HttpMethod.Post, "/bucket", f.ServiceKey, new StringContent("{not json", Encoding.UTF8, "application/json")))
            Assert.Equal("400", (await StorageHostFixture.BodyAsync(res)).GetProperty("statusCode").GetString());
        using (var res = await f.SendAsync(HttpMethod.Post, "/object/bad/m.txt", f.ServiceKey, new StringContent("x"), r => r.Headers.Add("x-metadata", "%%%")))
            Assert.Equal("400", (await StorageHostFixture.BodyAsync(res)).GetProperty("statusCode").GetString());
        using (var res = await f.JsonAsync(HttpMethod.Post, "/object/list/bad", f.ServiceKey, new { limit = 5 }))
            Assert.Equal("MissingParameter", (await StorageHostFixture.BodyAsync(res)).GetProperty("code").GetString());
        Assert.Equal(0L, await f.ScalarAsync<long>("SELECT count(*) FROM storage.objects WHERE bucket_id = 'bad'"));
    }

    [Fact]
    public async Task S3_malformed_xml_is_400_malformed_xml()
    {
        var state = StorageState.Of(f.Host.Project);
        // A correctly signed request whose XML body is broken (the SDKs never send one), signed here with SigV4.
        var uri = new Uri(f.Host.BaseAddress, "/storage/v1/s3/bad?delete");
        var body = "<Delete><Object><Key>x</Key></Object"u8.ToArray();
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
        var now = DateTime.UtcNow;
        var amzDate = now.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var date = amzDate[..8];
        var payloadHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body));
        request.Headers.Add("x-amz-date", amzDate);
        request.Headers.Add("x-amz-content-sha256", payloadHash);
        var canonical = Supacs.Storage.S3.SigV4.CanonicalRequest("POST", "/storage/v1/s3/bad", [new("delete", "")], ["host", "x-amz-content-sha256", "x-amz-date"],
            h => h switch { "host" => uri.Authority, "x-amz-date" => amzDate, _ => payloadHash }, payloadHash);
        var sig = new Supacs.Storage.S3.SigV4Request(state.S3AccessKeyId, date, "us-east-1", "s3", ["host", "x-amz-content-sha256", "x-amz-date"], "", amzDate, false, null);
        var key = Supacs.Storage.S3.SigV4.SigningKey(state.S3SecretAccessKey, date, "us-east-1", "s3");
        var signature = Supacs.Storage.S3.SigV4.Sign(key, Supacs.Storage.S3.SigV4.StringToSign(sig, canonical));
        request.Headers.TryAddWithoutValidation("Authorization",
            $"AWS4-HMAC-SHA256 Credential={state.S3AccessKeyId}/{date}/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature={signature}");
        using var res = await f.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, res.StatusCode);
        Assert.Contains("<Code>MalformedXML</Code>", await res.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_and_version_routes_answer()
    {
        using (var status = await f.SendAsync(HttpMethod.Get, "/status", null)) Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        using var version = await f.SendAsync(HttpMethod.Get, "/version", null);
        Assert.Equal(HttpStatusCode.OK, version.StatusCode);
        Assert.False(string.IsNullOrWhiteSpace(await version.Content.ReadAsStringAsync()));
    }
}
