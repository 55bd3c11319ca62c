using System.Text.Json;

namespace Supacs.Rest.Tests.Endpoints;

/// <summary>
/// The settings every request's transaction carries, as PostgREST sets them: <c>request.headers</c> (lower-case names,
/// no cookie), <c>request.cookies</c>, <c>request.method</c>/<c>path</c>, the schema's search_path, and READ ONLY on reads.
/// </summary>
public sealed class RequestSettingsTests(RestFixture fx) : IClassFixture<RestFixture>
{
    private async Task<JsonElement> SettingsAsync(HttpMethod method, params string[] headers)
    {
        await fx.Database.ExecuteAsync("""
            create or replace function public.request_settings() returns json language sql volatile as $$
              select json_build_object(
                'headers', current_setting('request.headers', true)::json,
                'cookies', current_setting('request.cookies', true)::json,
                'method', current_setting('request.method', true),
                'path', current_setting('request.path', true),
                'search_path', current_setting('search_path'),
                'read_only', current_setting('transaction_read_only'))
            $$;
            grant execute on function public.request_settings() to anon;
            """);
        var (status, body, _) = await fx.SendAsync(method, "/rpc/request_settings", method == HttpMethod.Post ? "{}" : null, null, headers);
        Assert.Equal(200, status);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    [Fact]
    public async Task Read_carries_lower_cased_headers_cookies_and_read_only()
    {
        var s = await SettingsAsync(HttpMethod.Get, "X-Custom-Header: Some Value", "Cookie: a=1; session=two");
        var headers = s.GetProperty("headers");
        Assert.Equal("Some Value", headers.GetProperty("x-custom-header").GetString());
        Assert.False(headers.TryGetProperty("X-Custom-Header", out _));
        Assert.False(headers.TryGetProperty("cookie", out _));
        Assert.Equal("1", s.GetProperty("cookies").GetProperty("a").GetString());
        Assert.Equal("two", s.GetProperty("cookies").GetProperty("session").GetString());
        Assert.Equal("GET", s.GetProperty("method").GetString());
        Assert.Equal("/rest/v1/rpc/request_settings", s.GetProperty("path").GetString());
        Assert.StartsWith("\"public\"", s.GetProperty("search_path").GetString(), StringComparison.Ordinal);
        Assert.Equal("on", s.GetProperty("read_only").GetString());
    }

    [Fact]
    public async Task Write_is_not_read_only_and_has_empty_cookies_without_a_cookie_header()
    {
        var s = await SettingsAsync(HttpMethod.Post);
        Assert.Equal("off", s.GetProperty("read_only").GetString());
        Assert.Equal(JsonValueKind.Object, s.GetProperty("cookies").ValueKind);
        Assert.Empty(s.GetProperty("cookies").EnumerateObject());
        Assert.Equal("POST", s.GetProperty("method").GetString());
        Assert.StartsWith("\"public\"", s.GetProperty("search_path").GetString(), StringComparison.Ordinal);
    }
}
