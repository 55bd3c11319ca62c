using System.Net.Http.Headers;
using System.Text.Json;

namespace Supacs.Rest.Tests.Endpoints;

/// <summary>Functions with a single unnamed text/xml/bytea parameter take the raw body by Content-Type.</summary>
public sealed class RpcRawBodyTests(RestFixture fx) : IClassFixture<RestFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => fx.Database.ExecuteAsync("""
        CREATE OR REPLACE FUNCTION public.shout(text) RETURNS text LANGUAGE sql AS $$ SELECT upper($1) || '!' $$;
        CREATE OR REPLACE FUNCTION public.byte_info(bytea) RETURNS json LANGUAGE sql AS
          $$ SELECT json_build_object('len', length($1), 'hex', encode($1, 'hex')) $$;
        CREATE OR REPLACE FUNCTION public.raw_bytes() RETURNS bytea LANGUAGE sql AS $$ SELECT '\x00ff41'::bytea $$;
        CREATE OR REPLACE FUNCTION public.xml_title(xml) RETURNS text LANGUAGE sql AS
          $$ SELECT (xpath('/doc/title/text()', $1))[1]::text $$;
        """);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Text_plain_body_goes_to_the_unnamed_text_parameter()
    {
        var (status, body, _) = await fx.SendAsync(HttpMethod.Post, "/rpc/shout", "hello, raw {not json}", null, "Content-Type: text/plain");
        Assert.Equal(200, status);
        Assert.Equal("\"HELLO, RAW {NOT JSON}!\"", body);
    }

    [Fact]
    public async Task Octet_stream_body_goes_to_the_unnamed_bytea_parameter()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/rest/v1/rpc/byte_info")
        {
            Content = new ByteArrayContent([0x00, 0xff, 0x10, 0x80]),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var response = await fx.Host.Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("""{"len":4,"hex":"00ff1080"}""", RestFixture.Norm(body));
    }

    [Fact]
    public async Task Text_xml_body_goes_to_the_unnamed_xml_parameter()
    {
        var (status, body, _) = await fx.SendAsync(HttpMethod.Post, "/rpc/xml_title", "<doc><title>Raw</title></doc>", null, "Content-Type: text/xml");
        Assert.Equal(200, status);
        Assert.Equal("\"Raw\"", body);
    }

    [Fact]
    public async Task Raw_body_without_a_matching_function_is_PGRST202()
    {
        var (status, body, _) = await fx.SendAsync(HttpMethod.Post, "/rpc/add", "1 2", null, "Content-Type: text/plain");
        Assert.Equal(404, status);
        var e = JsonDocument.Parse(body).RootElement;
        Assert.Equal("PGRST202", e.GetProperty("code").GetString());
        Assert.Equal("Searched for the function public.add with a single unnamed text parameter, but no matches were found in the schema cache.",
            e.GetProperty("details").GetString());
    }

    [Fact]
    public async Task Raw_outputs_for_scalar_results_and_single_columns()
    {
        var (status, body, response) = await fx.SendAsync(HttpMethod.Post, "/rpc/shout", "plain", null, "Content-Type: text/plain", "Accept: text/plain");
        Assert.Equal(200, status);
        Assert.Equal("PLAIN!", body);
        Assert.Equal("text/plain; charset=utf-8", response.Content.Headers.ContentType!.ToString());

        using var request = new HttpRequestMessage(HttpMethod.Get, "/rest/v1/rpc/raw_bytes");
        request.Headers.Accept.ParseAdd("application/octet-stream");
        var bytes = await fx.Host.Client.SendAsync(request);
        Assert.Equal(200, (int)bytes.StatusCode);
        Assert.Equal("application/octet-stream", bytes.Content.Headers.ContentType!.ToString());
        Assert.Equal(new byte[] { 0x00, 0xff, 0x41 }, await bytes.Content.ReadAsByteArrayAsync());

        (status, body, _) = await fx.GetAsync("/users?select=name&order=name", null, "Accept: text/plain");
        Assert.Equal(200, status);
        Assert.Equal("AliceBobCarol", body);
        (status, body, _) = await fx.GetAsync("/users?select=name,age", null, "Accept: text/plain");
        Assert.Equal(406, status);
        Assert.Equal("PGRST107", JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
    }
}
