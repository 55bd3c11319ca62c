using System.Net;
using System.Text;
using System.Text.Json;
using Supacs.Testing;

namespace Supacs.Functions.Tests.Endpoints;

public sealed class InvokeFunctionFixture : FunctionsHostFixture
{
    protected override string ConfigToml => """
        [edge_runtime]
        cpu_time_ms = 1000
        memory_mb = 64
        max_request_body_mb = 1

        [functions.echo]
        verify_jwt = false
        [functions.legacy]
        verify_jwt = false
        [functions.default-export]
        verify_jwt = false
        [functions.paths]
        verify_jwt = false
        [functions.broken]
        verify_jwt = false
        [functions.throws]
        verify_jwt = false
        [functions.runaway]
        verify_jwt = false
        [functions.recursion]
        verify_jwt = false
        [functions.not-a-response]
        verify_jwt = false
        [functions.changing]
        verify_jwt = false
        [functions.env]
        verify_jwt = false
        [functions.no-handler]
        verify_jwt = false
        [functions.allocation]
        verify_jwt = false
        [functions.disabled]
        enabled = false
        verify_jwt = false
        [functions.boot-loop]
        verify_jwt = false
        [functions.on-error]
        verify_jwt = false
        """;

    protected override void WriteFunctions()
    {
        Write("functions/.env", "STRIPE_SECRET_KEY=sk_test_123\n# comment\nQUOTED=\"a b\"\n");
        Write("functions/_shared/cors.ts", """
            export const corsHeaders: Record<string, string> = {
              'Access-Control-Allow-Origin': '*',
              'Access-Control-Allow-Headers': 'authorization, x-client-info, apikey, content-type',
            };
            """);
        Write("functions/echo/index.ts", """
            import "jsr:@supabase/functions-js/edge-runtime.d.ts";

            const corsHeaders = {
              "Access-Control-Allow-Origin": "*",
              "Access-Control-Allow-Headers": "authorization, x-client-info, apikey, content-type",
            };

            interface Body { name: string; items?: number[] }

            Deno.serve(async (req: Request): Promise<Response> => {
              if (req.method === "OPTIONS") {
                return new Response("ok", { headers: corsHeaders });
              }
              try {
                const body = (await req.json()) as Body;
                const total: number = (body.items ?? []).reduce((a, b) => a + b, 0);
                return new Response(JSON.stringify({ hello: body.name, total, method: req.method }), {
                  headers: { ...corsHeaders, "Content-Type": "application/json" },
                  status: 200,
                });
              } catch (error: any) {
                return new Response(JSON.stringify({ error: error.message }), {
                  headers: { ...corsHeaders, "Content-Type": "application/json" },
                  status: 400,
                });
              }
            });
            """);
        Write("functions/legacy/index.ts", """
            import { serve } from "https://deno.land/std@0.168.0/http/server.ts";
            import { corsHeaders } from "../_shared/cors.ts";

            serve(async (req) => {
              if (req.method === "OPTIONS") return new Response(null, { headers: corsHeaders });
              const { name } = await req.json();
              return Response.json({ message: `Hello ${name}!` }, { headers: corsHeaders });
            });
            """);
        Write("functions/default-export/index.js", """
            export default {
              async fetch(req) {
                return new Response("default " + req.method, { status: 201, headers: { "x-style": "export-default" } });
              },
            };
            """);
        Write("functions/paths/index.ts", """
            Deno.serve((req: Request) => {
              const url = new URL(req.url);
              return Response.json({
                pathname: url.pathname,
                q: url.searchParams.get("q"),
                method: req.method,
                custom: req.headers.get("x-custom"),
              });
            });
            """);
        Write("functions/secure/index.ts", """
            Deno.serve(() => new Response("secret"));
            """);
        Write("functions/broken/index.ts", """
            Deno.serve((req: Request) => {
              return new Response("never" ;
            });
            """);
        Write("functions/throws/index.ts", """
            Deno.serve(async () => { throw new Error("kaboom"); });
            """);
        Write("functions/runaway/index.ts", """
            Deno.serve((req) => {
              if (new URL(req.url).searchParams.has("spin")) { while (true) {} }
              return new Response("fine");
            });
            """);
        Write("functions/recursion/index.js", """
            function down(n) { return down(n + 1) + 1; }
            Deno.serve(() => new Response(String(down(0))));
            """);
        Write("functions/not-a-response/index.js", """
            Deno.serve(() => ({ status: 200 }));
            """);
        Write("functions/changing/index.js", """
            Deno.serve(() => new Response("v1"));
            """);
        Write("functions/env/index.ts", """
            Deno.serve(() => Response.json({
              url: Deno.env.get("SUPABASE_URL"),
              anon: Deno.env.get("SUPABASE_ANON_KEY"),
              service: Deno.env.get("SUPABASE_SERVICE_ROLE_KEY"),
              db: Deno.env.get("SUPABASE_DB_URL") ?? null,
              stripe: Deno.env.get("STRIPE_SECRET_KEY"),
              quoted: Deno.env.get("QUOTED"),
              missing: Deno.env.get("NOPE") ?? null,
            }));
            """);
        Write("functions/no-handler/index.js", "export const x = 1;\n");
        Write("functions/on-error/index.ts", """
            Deno.serve({
              onError: (e: unknown) => new Response(`handled: ${(e as Error).message}`, { status: 418 }),
              handler: async () => { throw new Error("oops"); },
            });
            """);
        Write("functions/disabled/index.js", "Deno.serve(() => new Response('should not run'));\n");
        Write("functions/boot-loop/index.js", "while (true) {}\nDeno.serve(() => new Response('never'));\n");
        Write("functions/allocation/index.js", """
            Deno.serve((req) => {
              if (new URL(req.url).searchParams.has("grow")) {
                const keep = [];
                while (true) keep.push("x".repeat(8 * 1024 * 1024) + keep.length);
              }
              return new Response("small");
            });
            """);
    }
}

public sealed class InvokeFunctionTests(InvokeFunctionFixture f) : IClassFixture<InvokeFunctionFixture>
{
    private static StringContent Json(string s) => new(s, Encoding.UTF8, "application/json");

    private async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> SendAsync(HttpRequestMessage request)
    {
        var response = await f.Client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    [Fact]
    public async Task Deno_serve_typescript_function_echoes_json_with_cors_headers()
    {
        var r = f.Request(HttpMethod.Post, "echo");
        r.Content = Json("""{"name":"Functions","items":[1,2,3]}""");
        var (status, body, response) = await SendAsync(r);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("""{"hello":"Functions","total":6,"method":"POST"}""", body);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task Options_reaches_the_function_for_cors_without_a_jwt()
    {
        var (status, body, response) = await SendAsync(f.Request(HttpMethod.Options, "echo"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ok", body);
        Assert.Contains("apikey", response.Headers.GetValues("Access-Control-Allow-Headers").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_json_body_is_handled_by_the_function()
    {
        var r = f.Request(HttpMethod.Post, "echo");
        r.Content = Json("{not json");
        var (status, body, _) = await SendAsync(r);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("error", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Legacy_std_serve_with_shared_cors_import()
    {
        var r = f.Request(HttpMethod.Post, "legacy");
        r.Content = Json("""{"name":"Lovable"}""");
        var (status, body, response) = await SendAsync(r);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("""{"message":"Hello Lovable!"}""", body);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task Export_default_fetch_handler()
    {
        var (status, body, response) = await SendAsync(f.Request(HttpMethod.Put, "default-export"));
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("default PUT", body);
        Assert.Equal("export-default", response.Headers.GetValues("x-style").Single());
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("UTF-8", response.Content.Headers.ContentType!.CharSet);
    }

    [Theory]
    [InlineData("GET", "paths", "/paths")]
    [InlineData("DELETE", "paths/users/42?q=x%20y", "/paths/users/42")]
    [InlineData("PATCH", "paths/a/b/c?q=1", "/paths/a/b/c")]
    public async Task Function_sees_its_own_path_query_method_and_headers(string method, string path, string expectedPath)
    {
        var r = f.Request(new HttpMethod(method), path);
        r.Headers.Add("x-custom", "yes");
        var (status, body, _) = await SendAsync(r);
        Assert.Equal(HttpStatusCode.OK, status);
        using var doc = JsonDocument.Parse(body);
        Assert.Equal(expectedPath, doc.RootElement.GetProperty("pathname").GetString());
        Assert.Equal(method, doc.RootElement.GetProperty("method").GetString());
        Assert.Equal("yes", doc.RootElement.GetProperty("custom").GetString());
        var q = doc.RootElement.GetProperty("q");
        if (path.Contains("q=x%20y", StringComparison.Ordinal)) Assert.Equal("x y", q.GetString());
    }

    [Fact]
    public async Task Unknown_function_is_404_not_found()
    {
        var (status, body, response) = await SendAsync(f.Request(HttpMethod.Post, "nope"));
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("""{"code":"NOT_FOUND","message":"Requested function was not found"}""", body);
        Assert.Equal("NOT_FOUND", response.Headers.GetValues("sb-error-code").Single());
        var (sharedStatus, _, _) = await SendAsync(f.Request(HttpMethod.Get, "_shared"));
        Assert.Equal(HttpStatusCode.NotFound, sharedStatus);
    }

    [Fact]
    public async Task Verify_jwt_is_on_by_default_with_the_local_router_bodies()
    {
        var (s1, b1, _) = await SendAsync(f.Request(HttpMethod.Post, "secure"));
        Assert.Equal(HttpStatusCode.Unauthorized, s1);
        Assert.Equal("""{"msg":"Error: Missing authorization header"}""", b1);

        var basic = f.Request(HttpMethod.Post, "secure");
        basic.Headers.TryAddWithoutValidation("Authorization", "Basic abc");
        var (s2, b2, _) = await SendAsync(basic);
        Assert.Equal(HttpStatusCode.Unauthorized, s2);
        Assert.Equal("""{"msg":"Error: Auth header is not 'Bearer {token}'"}""", b2);

        var (s3, b3, _) = await SendAsync(f.Request(HttpMethod.Post, "secure", "not.a.jwt"));
        Assert.Equal(HttpStatusCode.Unauthorized, s3);
        Assert.Equal("""{"msg":"Invalid JWT"}""", b3);

        var (s4, b4, _) = await SendAsync(f.Request(HttpMethod.Post, "secure", TestTokens.For(Guid.NewGuid().ToString(), "authenticated")));
        Assert.Equal(HttpStatusCode.OK, s4);
        Assert.Equal("secret", b4);

        var (s5, b5, _) = await SendAsync(f.Request(HttpMethod.Post, "secure", f.Host.Project.Keys.AnonKey));
        Assert.Equal(HttpStatusCode.OK, s5);
        Assert.Equal("secret", b5);
    }

    [Fact]
    public async Task Syntax_error_is_503_boot_error_and_other_functions_still_work()
    {
        var (status, body, _) = await SendAsync(f.Request(HttpMethod.Get, "broken"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("""{"code":"BOOT_ERROR","message":"Worker failed to boot (please check logs)"}""", body);
        var (ok, _, _) = await SendAsync(f.Request(HttpMethod.Get, "runaway"));
        Assert.Equal(HttpStatusCode.OK, ok);
    }

    [Fact]
    public async Task Deno_serve_onError_turns_a_handler_error_into_a_response()
    {
        var (status, body, _) = await SendAsync(f.Request(HttpMethod.Get, "on-error"));
        Assert.Equal((HttpStatusCode)418, status);
        Assert.Equal("handled: oops", body);
    }

    [Fact]
    public async Task Disabled_function_is_404()
    {
        var (status, body, _) = await SendAsync(f.Request(HttpMethod.Get, "disabled"));
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("NOT_FOUND", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Runaway_top_level_code_is_546_at_boot()
    {
        var (status, body, _) = await SendAsync(f.Request(HttpMethod.Get, "boot-loop"));
        Assert.Equal((HttpStatusCode)546, status);
        Assert.Contains("WORKER_LIMIT", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Module_without_a_handler_is_a_boot_error()
    {
        var (status, _, _) = await SendAsync(f.Request(HttpMethod.Get, "no-handler"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
    }

    [Fact]
    public async Task Uncaught_exception_is_500_worker_error()
    {
        var (status, body, _) = await SendAsync(f.Request(HttpMethod.Get, "throws"));
        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.Equal("""{"code":"WORKER_ERROR","message":"Function exited due to an error (please check logs)"}""", body);
    }

    [Fact]
    public async Task Invocations_are_counted_by_function_and_outcome()
    {
        var seen = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Supacs.Functions" && instrument.Name == "supacs.functions.invocations") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? fn = null, outcome = null;
            foreach (var t in tags)
            {
                if (t.Key == "function") fn = t.Value as string;
                if (t.Key == "outcome") outcome = t.Value as string;
            }
            seen.Add($"{fn}:{outcome}:{value}");
        });
        listener.Start();
        await SendAsync(f.Request(HttpMethod.Get, "throws"));
        await SendAsync(f.Request(HttpMethod.Get, "paths"));
        // Recorded once the handler returns, which can be just after the client has the whole response.
        for (var i = 0; i < 40 && !(seen.Contains("throws:worker_error:1") && seen.Contains("paths:ok:1")); i++) await Task.Delay(50);
        Assert.Contains("throws:worker_error:1", seen);
        Assert.Contains("paths:ok:1", seen);
    }

    [Fact]
    public async Task Returning_something_other_than_a_response_is_500()
    {
        var (status, body, _) = await SendAsync(f.Request(HttpMethod.Get, "not-a-response"));
        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.Contains("WORKER_ERROR", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Runaway_loop_is_546_worker_limit_and_the_function_recovers()
    {
        var started = DateTime.UtcNow;
        var (status, body, _) = await SendAsync(f.Request(HttpMethod.Get, "runaway?spin=1"));
        Assert.Equal((HttpStatusCode)546, status);
        Assert.Equal("""{"code":"WORKER_LIMIT","message":"Worker failed to respond due to a resource limit (please check logs)"}""", body);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
        var (ok, text, _) = await SendAsync(f.Request(HttpMethod.Get, "runaway"));
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.Equal("fine", text);
    }

    [Fact]
    public async Task Runaway_recursion_is_546_worker_limit()
    {
        var (status, _, _) = await SendAsync(f.Request(HttpMethod.Get, "recursion"));
        Assert.Equal((HttpStatusCode)546, status);
    }

    [Fact]
    public async Task Runaway_allocation_is_546_worker_limit_and_the_server_carries_on()
    {
        var (status, _, _) = await SendAsync(f.Request(HttpMethod.Get, "allocation?grow=1"));
        Assert.Equal((HttpStatusCode)546, status);
        var (ok, body, _) = await SendAsync(f.Request(HttpMethod.Get, "allocation"));
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.Equal("small", body);
        Assert.Contains("memory limit", f.Logs.Dump(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_body_over_the_limit_is_413()
    {
        var r = f.Request(HttpMethod.Post, "echo");
        r.Content = new ByteArrayContent(new byte[2 * 1024 * 1024]);
        var (status, _, _) = await SendAsync(r);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
    }

    [Fact]
    public async Task Edited_function_is_reloaded_without_restart()
    {
        var (_, v1, _) = await SendAsync(f.Request(HttpMethod.Get, "changing"));
        Assert.Equal("v1", v1);
        f.Write("functions/changing/index.js", "Deno.serve(() => new Response('version two'));\n");
        var (_, v2, _) = await SendAsync(f.Request(HttpMethod.Get, "changing"));
        Assert.Equal("version two", v2);
    }

    [Fact]
    public async Task Deno_env_has_platform_values_and_dotenv_secrets()
    {
        var (status, body, _) = await SendAsync(f.Request(HttpMethod.Get, "env"));
        Assert.Equal(HttpStatusCode.OK, status);
        using var doc = JsonDocument.Parse(body);
        var e = doc.RootElement;
        Assert.Equal(f.Host.BaseAddress.ToString().TrimEnd('/'), e.GetProperty("url").GetString());
        Assert.Equal(f.Host.Project.Keys.AnonKey, e.GetProperty("anon").GetString());
        Assert.Equal(f.Host.Project.Keys.ServiceRoleKey, e.GetProperty("service").GetString());
        Assert.StartsWith("postgres", e.GetProperty("db").GetString(), StringComparison.Ordinal);
        Assert.Equal("sk_test_123", e.GetProperty("stripe").GetString());
        Assert.Equal("a b", e.GetProperty("quoted").GetString());
        Assert.Equal(JsonValueKind.Null, e.GetProperty("missing").ValueKind);
    }
}
