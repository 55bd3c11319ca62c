using System.Text.Json;

namespace Supacs.Rest.Tests.Endpoints;

/// <summary>Unknown verbs (PGRST117) and paths PostgREST does not serve (PGRST125), while every real route still wins.</summary>
public sealed class InvalidRequestTests(RestFixture fx) : IClassFixture<RestFixture>
{
    private static string Code(string body) => JsonDocument.Parse(body).RootElement.GetProperty("code").GetString()!;

    [Theory]
    [InlineData("TRACE", "/users")]
    [InlineData("FOO", "/users")]
    [InlineData("PURGE", "/rpc/add")]
    public async Task Unsupported_verb_is_PGRST117(string method, string path)
    {
        var (status, body, _) = await fx.SendAsync(new HttpMethod(method), path);
        Assert.Equal(405, status);
        Assert.Equal("PGRST117", Code(body));
        Assert.Contains("Unsupported HTTP method: " + method, body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/users/1")]
    [InlineData("/rpc/add/x")]
    public async Task Unknown_path_is_PGRST125(string path)
    {
        var (status, body, _) = await fx.GetAsync(path);
        Assert.Equal(404, status);
        Assert.Equal("PGRST125", Code(body));
    }

    [Fact]
    public async Task Real_routes_still_answer()
    {
        Assert.Equal(200, (await fx.GetAsync("/users?limit=1")).Status);
        Assert.Equal(200, (await fx.GetAsync("/rpc/add?a=1&b=2")).Status);
        Assert.Equal(200, (await fx.GetAsync("/")).Status);
        Assert.Equal("PGRST101", Code((await fx.SendAsync(HttpMethod.Delete, "/rpc/add")).Body));
        Assert.Equal(204, (await fx.SendAsync(HttpMethod.Delete, "/tags?id=eq.-1")).Status);
    }
}
