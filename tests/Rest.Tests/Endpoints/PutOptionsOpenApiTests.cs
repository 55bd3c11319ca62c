using System.Text.Json;

namespace Supacs.Rest.Tests.Endpoints;

public sealed class PutOptionsOpenApiTests(RestFixture fx) : IClassFixture<RestFixture>
{
    private static JsonElement Json(string body) => JsonDocument.Parse(body).RootElement.Clone();

    [Fact]
    public async Task Put_inserts_then_replaces_by_primary_key()
    {
        // PostgREST v12: with the representation 201 when PUT inserted the row, 200 when it replaced one; minimal is 204 either way.
        var (status, body, _) = await fx.SendAsync(HttpMethod.Put, "/tags?id=eq.1000", """{"id":1000,"name":"put1"}""", null, "Prefer: return=representation");
        Assert.Equal(201, status);
        Assert.Equal("""[{"id":1000,"name":"put1"}]""", RestFixture.Norm(body));
        (status, _, _) = await fx.SendAsync(HttpMethod.Put, "/tags?id=eq.1000", """{"id":1000,"name":"put2"}""");
        Assert.Equal(204, status);
        Assert.Equal("put2", await fx.Database.ScalarAsync<string>("SELECT name FROM tags WHERE id = 1000"));
        (status, body, _) = await fx.SendAsync(HttpMethod.Put, "/tags?id=eq.1000", """{"id":1000,"name":"put3"}""", null, "Prefer: return=representation");
        Assert.Equal(200, status);
        Assert.Equal("""[{"id":1000,"name":"put3"}]""", RestFixture.Norm(body));
        (status, _, _) = await fx.SendAsync(HttpMethod.Put, "/tags?id=eq.1001", """{"id":1001,"name":"put4"}""");
        Assert.Equal(204, status);
        Assert.Equal("put4", await fx.Database.ScalarAsync<string>("SELECT name FROM tags WHERE id = 1001"));
    }

    [Fact]
    public async Task Put_takes_an_array_body_and_puts_its_first_element()
    {
        // PostgREST's own examples send PUT bodies as arrays; only the first element is put.
        var (status, body, response) = await fx.SendAsync(HttpMethod.Put, "/tags?id=eq.1010", """[{"id":1010,"name":"arr1"},{"id":1011,"name":"arr2"}]""", null,
            "Prefer: return=representation", "Accept: application/vnd.pgrst.object+json");
        Assert.Equal(201, status);
        Assert.Equal("""{"id":1010,"name":"arr1"}""", RestFixture.Norm(body));
        Assert.StartsWith("application/vnd.pgrst.object+json", response.Content.Headers.ContentType!.ToString());
        Assert.Equal(0L, await fx.Database.ScalarAsync<long>("SELECT count(*) FROM tags WHERE id = 1011"));
        (status, body, _) = await fx.SendAsync(HttpMethod.Put, "/tags?id=eq.1010", """[{"id":1011,"name":"arr3"}]""");
        Assert.Equal(400, status);
        Assert.Equal("PGRST115", Json(body).GetProperty("code").GetString());
        (status, body, _) = await fx.SendAsync(HttpMethod.Put, "/tags?id=eq.1010", "[]");
        Assert.Equal(400, status);
        Assert.Equal("PGRST115", Json(body).GetProperty("code").GetString());
        (status, body, _) = await fx.SendAsync(HttpMethod.Put, "/tags?id=eq.1010", "[1]");
        Assert.Equal(400, status);
        Assert.Equal("PGRST102", Json(body).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Put_errors()
    {
        var (status, body, _) = await fx.SendAsync(HttpMethod.Put, "/tags?name=eq.x", """{"id":1,"name":"x"}""");
        Assert.Equal(405, status);
        Assert.Equal("PGRST105", Json(body).GetProperty("code").GetString());
        (status, body, _) = await fx.SendAsync(HttpMethod.Put, "/tags?id=eq.1", """{"id":2,"name":"x"}""");
        Assert.Equal(400, status);
        Assert.Equal("PGRST115", Json(body).GetProperty("code").GetString());
        (status, body, _) = await fx.SendAsync(HttpMethod.Put, "/tags?id=eq.1&limit=1", """{"id":1,"name":"x"}""");
        Assert.Equal("PGRST114", Json(body).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Options_lists_allowed_methods()
    {
        var (status, _, response) = await fx.SendAsync(HttpMethod.Options, "/tags");
        Assert.Equal(200, status);
        Assert.Equal("OPTIONS,GET,HEAD,POST,PUT,PATCH,DELETE", string.Join(",", response.Content.Headers.Allow));
        (_, _, response) = await fx.SendAsync(HttpMethod.Options, "/published_posts");
        Assert.Contains("POST", response.Content.Headers.Allow);
        (_, _, response) = await fx.SendAsync(HttpMethod.Options, "/post_counts");
        Assert.Equal("OPTIONS,GET,HEAD", string.Join(",", response.Content.Headers.Allow));
        (_, _, response) = await fx.SendAsync(HttpMethod.Options, "/rpc/add_tag");
        Assert.Equal("OPTIONS,POST", string.Join(",", response.Content.Headers.Allow));
        (_, _, response) = await fx.SendAsync(HttpMethod.Options, "/rpc/add");
        Assert.Equal("OPTIONS,GET,HEAD,POST", string.Join(",", response.Content.Headers.Allow));
    }

    [Fact]
    public async Task Openapi_describes_tables_columns_and_functions()
    {
        var (status, body, response) = await fx.GetAsync("/");
        Assert.Equal(200, status);
        Assert.StartsWith("application/openapi+json", response.Content.Headers.ContentType!.ToString());
        var doc = Json(body);
        Assert.Equal("2.0", doc.GetProperty("swagger").GetString());
        var users = doc.GetProperty("definitions").GetProperty("users");
        Assert.Equal("uuid", users.GetProperty("properties").GetProperty("id").GetProperty("format").GetString());
        Assert.Equal("integer", users.GetProperty("properties").GetProperty("age").GetProperty("type").GetString());
        Assert.Contains("name", users.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        Assert.True(doc.GetProperty("paths").TryGetProperty("/posts", out var posts));
        Assert.True(posts.TryGetProperty("post", out _));
        Assert.False(doc.GetProperty("paths").GetProperty("/post_counts").TryGetProperty("post", out _));
        Assert.True(doc.GetProperty("paths").TryGetProperty("/rpc/add", out var add));
        Assert.True(add.TryGetProperty("get", out _));
        Assert.False(doc.GetProperty("paths").GetProperty("/rpc/add_tag").TryGetProperty("get", out _));
    }

    [Fact]
    public async Task Rpc_with_wrong_method_is_PGRST101()
    {
        var (status, body, _) = await fx.SendAsync(HttpMethod.Delete, "/rpc/add");
        Assert.Equal(405, status);
        Assert.Equal("PGRST101", Json(body).GetProperty("code").GetString());
    }
}
