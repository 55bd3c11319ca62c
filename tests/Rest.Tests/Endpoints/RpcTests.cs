using System.Text.Json;

namespace Supacs.Rest.Tests.Endpoints;

public sealed class RpcTests(RestFixture fx) : IClassFixture<RestFixture>
{
    private static JsonElement Json(string body) => JsonDocument.Parse(body).RootElement.Clone();

    [Fact]
    public async Task Scalar_post_and_get()
    {
        var (status, body, _) = await fx.SendAsync(HttpMethod.Post, "/rpc/add", """{"a":2,"b":3}""");
        Assert.Equal(200, status);
        Assert.Equal("5", body);
        (status, body, _) = await fx.GetAsync("/rpc/add?a=4&b=5");
        Assert.Equal(200, status);
        Assert.Equal("9", body);
        (_, body, _) = await fx.SendAsync(HttpMethod.Post, "/rpc/hello", "");
        Assert.Equal("\"hi\"", body);
    }

    [Fact]
    public async Task Defaults_variadic_and_single_json()
    {
        var (_, body, _) = await fx.SendAsync(HttpMethod.Post, "/rpc/greet", """{"name":"Ann"}""");
        Assert.Equal("\"Hello Ann\"", body);
        (_, body, _) = await fx.GetAsync("/rpc/sum_all?nums=1&nums=2&nums=3");
        Assert.Equal("6", body);
        (_, body, _) = await fx.SendAsync(HttpMethod.Post, "/rpc/sum_all", """{"nums":[4,5]}""");
        Assert.Equal("9", body);
        (_, body, _) = await fx.SendAsync(HttpMethod.Post, "/rpc/echo", """{"x":[1,2]}""");
        Assert.Equal("""{"x":[1,2]}""", RestFixture.Norm(body));
    }

    [Fact]
    public async Task Setof_table_supports_filters_select_embeds()
    {
        var (status, body, _) = await fx.SendAsync(HttpMethod.Post, "/rpc/posts_by?select=title,users(name)&order=title.desc&published=is.true",
            """{"author":"11111111-1111-1111-1111-111111111111"}""");
        Assert.Equal(200, status);
        Assert.Equal("""[{"title":"Hello","users":{"name":"Alice"}}]""", RestFixture.Norm(body));
        (_, body, _) = await fx.GetAsync("/rpc/numbers?n=3");
        Assert.Equal("[1,2,3]", RestFixture.Norm(body));
        (_, body, _) = await fx.GetAsync("/rpc/user_table?min_age=26&select=name");
        Assert.Equal("""[{"name":"Alice"}]""", RestFixture.Norm(body));
    }

    [Fact]
    public async Task Single_composite_is_an_object_and_void_is_204()
    {
        var (_, body, _) = await fx.GetAsync("/rpc/first_post?select=title");
        Assert.Equal("""{"title":"Hello"}""", RestFixture.Norm(body));
        var (status, _, _) = await fx.SendAsync(HttpMethod.Post, "/rpc/do_nothing", "{}");
        Assert.Equal(204, status);
    }

    [Fact]
    public async Task Get_runs_read_only()
    {
        var (status, body, _) = await fx.GetAsync("/rpc/add_tag?name=ro");
        Assert.Equal(405, status);
        Assert.Equal("25006", Json(body).GetProperty("code").GetString());
        (status, body, _) = await fx.SendAsync(HttpMethod.Post, "/rpc/add_tag", """{"name":"rw"}""");
        Assert.Equal(200, status);
    }

    [Fact]
    public async Task Unknown_function_is_PGRST202()
    {
        var (status, body, _) = await fx.SendAsync(HttpMethod.Post, "/rpc/add", """{"x":1}""");
        Assert.Equal(404, status);
        var e = Json(body);
        Assert.Equal("PGRST202", e.GetProperty("code").GetString());
        Assert.Equal("Could not find the function public.add(x) in the schema cache", e.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Errors_raised_in_sql()
    {
        var (status, body, _) = await fx.SendAsync(HttpMethod.Post, "/rpc/fail", "{}");
        Assert.Equal(400, status);
        Assert.Equal("""{"code":"P0001","details":"det","hint":"hin","message":"boom"}""", RestFixture.Norm(body));
        (status, body, _) = await fx.SendAsync(HttpMethod.Post, "/rpc/pay", "{}");
        Assert.Equal(402, status);
        (status, body, var response) = await fx.SendAsync(HttpMethod.Post, "/rpc/custom_error", "{}");
        Assert.Equal(418, status);
        Assert.Equal("yes", response.Headers.GetValues("X-Custom").Single());
        Assert.Equal("123", Json(body).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Response_gucs_set_headers_and_status()
    {
        var (status, body, response) = await fx.SendAsync(HttpMethod.Post, "/rpc/set_headers", "{}");
        Assert.Equal(202, status);
        Assert.Equal("1", body);
        Assert.Equal("world", response.Headers.GetValues("X-Hello").Single());
    }
}
