using System.Net;

namespace Supacs.Storage.Tests.Endpoints;

public sealed class BucketEndpointsTests(StorageHostFixture f) : IClassFixture<StorageHostFixture>
{
    private static readonly string[] ImageTypes = ["image/*"];

    [Fact]
    public async Task Create_get_update_list_delete_round_trip()
    {
        using (var created = await f.JsonAsync(HttpMethod.Post, "/bucket", f.ServiceKey, new { name = "docs", @public = false, file_size_limit = "20mb", allowed_mime_types = ImageTypes }))
        {
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
            Assert.Equal("""{"name":"docs"}""", await created.Content.ReadAsStringAsync());
        }
        using (var got = await f.SendAsync(HttpMethod.Get, "/bucket/docs", f.ServiceKey))
        {
            var b = await StorageHostFixture.BodyAsync(got);
            Assert.Equal("docs", b.GetProperty("id").GetString());
            Assert.Equal(20_000_000, b.GetProperty("file_size_limit").GetInt64());
            Assert.Equal("image/*", b.GetProperty("allowed_mime_types")[0].GetString());
            Assert.False(b.GetProperty("public").GetBoolean());
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", b.GetProperty("created_at").GetString());
        }
        using (var updated = await f.JsonAsync(HttpMethod.Put, "/bucket/docs", f.ServiceKey, new { @public = true, file_size_limit = 1000 }))
            Assert.Equal("""{"message":"Successfully updated"}""", await updated.Content.ReadAsStringAsync());
        using (var list = await f.SendAsync(HttpMethod.Get, "/bucket?search=doc", f.ServiceKey))
        {
            var arr = await StorageHostFixture.BodyAsync(list);
            var b = Assert.Single(arr.EnumerateArray());
            Assert.True(b.GetProperty("public").GetBoolean());
            Assert.Equal(1000, b.GetProperty("file_size_limit").GetInt64());
            Assert.Equal("STANDARD", b.GetProperty("type").GetString());
        }
        using (var deleted = await f.SendAsync(HttpMethod.Delete, "/bucket/docs", f.ServiceKey))
            Assert.Equal("""{"message":"Successfully deleted"}""", await deleted.Content.ReadAsStringAsync());
        using var gone = await f.SendAsync(HttpMethod.Get, "/bucket/docs", f.ServiceKey);
        Assert.Equal(HttpStatusCode.BadRequest, gone.StatusCode);
        var err = await StorageHostFixture.BodyAsync(gone);
        Assert.Equal("404", err.GetProperty("statusCode").GetString());
        Assert.Equal("Bucket not found", err.GetProperty("error").GetString());
        Assert.Equal("Bucket not found", err.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Duplicate_bucket_is_409_in_a_400()
    {
        await f.CreateBucketAsync("dup");
        using var res = await f.JsonAsync(HttpMethod.Post, "/bucket", f.ServiceKey, new { name = "dup" });
        Assert.Equal(HttpStatusCode.BadRequest, res.StatusCode);
        var err = await StorageHostFixture.BodyAsync(res);
        Assert.Equal("409", err.GetProperty("statusCode").GetString());
        Assert.Equal("Duplicate", err.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Users_without_policies_cannot_create_or_see_buckets()
    {
        await f.CreateBucketAsync("hidden");
        var user = StorageHostFixture.UserToken(StorageHostFixture.Alice);
        using var create = await f.JsonAsync(HttpMethod.Post, "/bucket", user, new { name = "mine" });
        var err = await StorageHostFixture.BodyAsync(create);
        Assert.Equal("403", err.GetProperty("statusCode").GetString());
        Assert.Equal("new row violates row-level security policy", err.GetProperty("message").GetString());
        using var list = await f.SendAsync(HttpMethod.Get, "/bucket", user);
        Assert.Equal("[]", await list.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Invalid_names_and_missing_auth_are_refused()
    {
        using (var res = await f.JsonAsync(HttpMethod.Post, "/bucket", f.ServiceKey, new { name = "a/b" }))
            Assert.Equal("InvalidBucketName", (await StorageHostFixture.BodyAsync(res)).GetProperty("code").GetString());
        using (var res = await f.SendAsync(HttpMethod.Get, "/bucket", token: null))
            Assert.Equal("403", (await StorageHostFixture.BodyAsync(res)).GetProperty("statusCode").GetString());
        using (var res = await f.SendAsync(HttpMethod.Get, "/bucket", token: "not.a.jwt"))
            Assert.Equal("403", (await StorageHostFixture.BodyAsync(res)).GetProperty("statusCode").GetString());
    }

    [Fact]
    public async Task Non_empty_bucket_delete_is_refused_and_empty_needs_service_role()
    {
        await f.CreateBucketAsync("full");
        using (var up = await f.UploadAsync("full", "a.txt", "hi"u8.ToArray())) Assert.True(up.IsSuccessStatusCode);
        using (var del = await f.SendAsync(HttpMethod.Delete, "/bucket/full", f.ServiceKey))
            Assert.Equal("409", (await StorageHostFixture.BodyAsync(del)).GetProperty("statusCode").GetString());
        using (var empty = await f.SendAsync(HttpMethod.Post, "/bucket/full/empty", StorageHostFixture.UserToken(StorageHostFixture.Alice)))
            Assert.Equal(HttpStatusCode.Forbidden, empty.StatusCode);
        using (var empty = await f.SendAsync(HttpMethod.Post, "/bucket/full/empty", f.ServiceKey))
        {
            Assert.Equal(HttpStatusCode.OK, empty.StatusCode);
            Assert.Equal("Empty bucket has been queued. Completion may take up to an hour.", (await StorageHostFixture.BodyAsync(empty)).GetProperty("message").GetString());
        }
        Assert.Equal(0L, await f.ScalarAsync<long>("SELECT count(*) FROM storage.objects WHERE bucket_id = 'full'"));
        Assert.DoesNotContain(f.StoredFiles(), p => p.Contains("/full/", StringComparison.Ordinal));
        using var ok = await f.SendAsync(HttpMethod.Delete, "/bucket/full", f.ServiceKey);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }
}
