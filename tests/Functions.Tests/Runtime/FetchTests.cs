using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Supacs.Functions.Tests.Runtime;

/// <summary>Functions calling a real local HTTP server (the upstream) through fetch.</summary>
public sealed class FetchFixture : FunctionsHostFixture
{
    private WebApplication? _upstream;

    public string UpstreamUrl { get; private set; } = "";

    protected override string ConfigToml => """
        [functions.fetch-json]
        verify_jwt = false
        [functions.fetch-post]
        verify_jwt = false
        [functions.sse-proxy]
        verify_jwt = false
        [functions.sse-transform]
        verify_jwt = false
        [functions.fetch-timeout]
        verify_jwt = false
        [functions.fetch-redirect]
        verify_jwt = false
        """;

    protected override void WriteFunctions()
    {
        Write("functions/fetch-json/index.ts", """
            Deno.serve(async (req) => {
              const upstream = req.headers.get("x-upstream")!;
              const res = await fetch(`${upstream}/json`, { headers: { Authorization: "Bearer upstream-token" } });
              const data = await res.json();
              return Response.json({ status: res.status, ok: res.ok, type: res.headers.get("content-type"), data });
            });
            """);
        Write("functions/fetch-post/index.ts", """
            Deno.serve(async (req) => {
              const upstream = req.headers.get("x-upstream")!;
              const res = await fetch(`${upstream}/echo`, {
                method: "POST",
                headers: { "Content-Type": "application/json" },
                body: JSON.stringify({ model: "gpt", messages: [{ role: "user", content: "hi" }] }),
              });
              return new Response(await res.text(), { status: res.status, headers: { "content-type": "application/json" } });
            });
            """);
        Write("functions/sse-proxy/index.ts", """
            const corsHeaders = { "Access-Control-Allow-Origin": "*" };
            Deno.serve(async (req) => {
              const upstream = req.headers.get("x-upstream")!;
              const response = await fetch(`${upstream}/sse`, { method: "POST", body: JSON.stringify({ stream: true }) });
              if (!response.ok) return new Response("upstream failed", { status: 500 });
              return new Response(response.body, { headers: { ...corsHeaders, "Content-Type": "text/event-stream" } });
            });
            """);
        Write("functions/sse-transform/index.ts", """
            Deno.serve(async (req) => {
              const upstream = req.headers.get("x-upstream")!;
              const response = await fetch(`${upstream}/sse`, { method: "POST" });
              const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
              const encoder = new TextEncoder();
              const stream = new ReadableStream({
                async pull(controller) {
                  const { value, done } = await reader.read();
                  if (done) { controller.close(); return; }
                  controller.enqueue(encoder.encode(value.toUpperCase()));
                },
              });
              return new Response(stream, { headers: { "Content-Type": "text/event-stream" } });
            });
            """);
        Write("functions/fetch-timeout/index.ts", """
            Deno.serve(async (req) => {
              const upstream = req.headers.get("x-upstream")!;
              const started = Date.now();
              try {
                await fetch(`${upstream}/slow`, { signal: AbortSignal.timeout(100) });
                return Response.json({ error: "not aborted" });
              } catch (e) {
                return Response.json({ name: e.name, elapsedBelow2s: Date.now() - started < 2000 });
              }
            });
            """);
        Write("functions/fetch-redirect/index.ts", """
            Deno.serve(async (req) => {
              const upstream = req.headers.get("x-upstream")!;
              const followed = await fetch(`${upstream}/redirect`);
              const manual = await fetch(`${upstream}/redirect`, { redirect: "manual" });
              return Response.json({
                followed: [followed.status, followed.redirected, new URL(followed.url).pathname],
                manual: [manual.status, manual.headers.get("location")],
              });
            });
            """);
    }

    protected override async Task InitializeDatabaseAsync(Supacs.Testing.TestDatabase database)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _upstream = builder.Build();
        _upstream.MapGet("/json", (HttpContext c) => Results.Json(new { hello = "upstream", auth = c.Request.Headers.Authorization.ToString() }));
        _upstream.MapPost("/echo", async (HttpContext c) =>
        {
            using var reader = new StreamReader(c.Request.Body);
            var body = await reader.ReadToEndAsync();
            return Results.Json(new { contentType = c.Request.ContentType, body = JsonDocument.Parse(body).RootElement });
        });
        _upstream.MapPost("/sse", async (HttpContext c) =>
        {
            c.Response.ContentType = "text/event-stream";
            for (var i = 0; i < 3; i++)
            {
                await c.Response.WriteAsync($"data: chunk{i}\n\n");
                await c.Response.Body.FlushAsync();
                await Task.Delay(20);
            }
        });
        _upstream.MapGet("/slow", async (HttpContext c) =>
        {
            await Task.Delay(5000, c.RequestAborted);
            return "late";
        });
        _upstream.MapGet("/redirect", () => Results.Redirect("/json"));
        await _upstream.StartAsync();
        UpstreamUrl = _upstream.Urls.First();
        await base.InitializeDatabaseAsync(database);
    }

    public async ValueTask StopUpstreamAsync()
    {
        if (_upstream is not null) await _upstream.DisposeAsync();
    }
}

public sealed class FetchTests(FetchFixture f) : IClassFixture<FetchFixture>, IAsyncLifetime
{
    private async Task<(HttpStatusCode, string, HttpResponseMessage)> CallAsync(HttpMethod method, string name, HttpCompletionOption option = HttpCompletionOption.ResponseContentRead)
    {
        var request = f.Request(method, name);
        request.Headers.Add("x-upstream", f.UpstreamUrl);
        var response = await f.Client.SendAsync(request, option);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    [Fact]
    public async Task Fetch_gets_json_with_request_headers()
    {
        var (status, body, _) = await CallAsync(HttpMethod.Get, "fetch-json");
        Assert.True(status == HttpStatusCode.OK, body + "\n" + f.Logs.Dump());
        Assert.Equal("""{"status":200,"ok":true,"type":"application/json; charset=utf-8","data":{"hello":"upstream","auth":"Bearer upstream-token"}}""", body);
    }

    [Fact]
    public async Task Fetch_posts_a_json_body()
    {
        var (status, body, _) = await CallAsync(HttpMethod.Post, "fetch-post");
        Assert.True(status == HttpStatusCode.OK, body + "\n" + f.Logs.Dump());
        Assert.Equal("""{"contentType":"application/json","body":{"model":"gpt","messages":[{"role":"user","content":"hi"}]}}""", body);
    }

    [Fact]
    public async Task Upstream_sse_body_passes_through()
    {
        var (status, body, response) = await CallAsync(HttpMethod.Post, "sse-proxy", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("data: chunk0\n\ndata: chunk1\n\ndata: chunk2\n\n", body);
    }

    [Fact]
    public async Task Upstream_sse_body_can_be_transformed_by_a_js_stream()
    {
        var (status, body, _) = await CallAsync(HttpMethod.Post, "sse-transform", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("DATA: CHUNK0\n\nDATA: CHUNK1\n\nDATA: CHUNK2\n\n", body);
    }

    [Fact]
    public async Task Abort_signal_timeout_cancels_a_fetch()
    {
        var (status, body, _) = await CallAsync(HttpMethod.Get, "fetch-timeout");
        Assert.True(status == HttpStatusCode.OK, body + "\n" + f.Logs.Dump());
        Assert.Equal("""{"name":"TimeoutError","elapsedBelow2s":true}""", body);
    }

    [Fact]
    public async Task Redirects_are_followed_or_returned_as_asked()
    {
        var (status, body, _) = await CallAsync(HttpMethod.Get, "fetch-redirect");
        Assert.True(status == HttpStatusCode.OK, body + "\n" + f.Logs.Dump());
        Assert.Equal("""{"followed":[200,true,"/json"],"manual":[302,"/json"]}""", body);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => Task.CompletedTask;
}
