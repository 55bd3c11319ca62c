using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Supacs.Functions.Tests.Runtime;

public sealed class WebApiFixture : FunctionsHostFixture
{
    protected override string ConfigToml => """
        [functions.webapi]
        verify_jwt = false
        [functions.timers]
        verify_jwt = false
        [functions.form]
        verify_jwt = false
        [functions.stream]
        verify_jwt = false
        [functions.bytes]
        verify_jwt = false
        """;

    protected override void WriteFunctions()
    {
        Write("functions/webapi/index.ts", """
            Deno.serve(async (req: Request) => {
              const r: Record<string, unknown> = {};
              const u = new URL("https://example.com:8443/a/b/../c?x=1&y=two%20words#frag");
              r.url = [u.href, u.protocol, u.host, u.hostname, u.port, u.pathname, u.search, u.hash, u.origin];
              u.searchParams.append("z", "a&b");
              r.urlAfterAppend = u.href;
              r.relative = new URL("../d?q=1", "https://example.com/a/b/c").href;
              r.badUrl = (() => { try { new URL("not a url"); return "no error"; } catch (e) { return e instanceof TypeError; } })();
              const sp = new URLSearchParams({ a: "1", b: "x y" });
              sp.append("a", "2");
              r.search = [sp.toString(), sp.getAll("a"), sp.get("b"), sp.has("c")];
              const h = new Headers({ "Content-Type": "text/plain" });
              h.append("X-Multi", "1"); h.append("x-multi", "2");
              r.headers = [h.get("content-type"), h.get("X-MULTI"), [...h.keys()], h.has("nope")];
              const enc = new TextEncoder().encode("héllo €");
              r.encoded = [enc.length, Array.from(enc.slice(0, 3))];
              r.decoded = new TextDecoder().decode(enc);
              const d = new TextDecoder();
              r.streamDecoded = d.decode(enc.subarray(0, 8), { stream: true }) + d.decode(enc.subarray(8));
              r.base64 = [btoa("hello"), atob("aGVsbG8="), (() => { try { btoa("€"); return false; } catch (e) { return e.name; } })()];
              const uuid = crypto.randomUUID();
              r.uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(uuid);
              const rnd = crypto.getRandomValues(new Uint8Array(16));
              r.random = rnd.length === 16 && rnd.some((b) => b !== 0);
              const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode("abc")));
              r.sha256 = Array.from(digest).map((b) => b.toString(16).padStart(2, "0")).join("");
              const key = await crypto.subtle.importKey("raw", new TextEncoder().encode("secret"), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
              const sig = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode("message"));
              r.hmac = btoa(String.fromCharCode(...new Uint8Array(sig)));
              r.hmacVerify = await crypto.subtle.verify("HMAC", key, sig, new TextEncoder().encode("message"));
              const original = { d: new Date(0), m: new Map([["k", [1, 2]]]), nested: { a: 1 } };
              const copy = structuredClone(original);
              r.clone = [copy !== original, copy.d instanceof Date, copy.d.getTime(), copy.m.get("k"), copy.nested.a, copy.nested !== original.nested];
              const blob = new Blob(["ab", new Uint8Array([99])], { type: "text/plain" });
              r.blob = [blob.size, await blob.text(), blob.type];
              const res = Response.json({ ok: true }, { status: 202 });
              r.responseJson = [res.status, res.headers.get("content-type"), await res.json()];
              r.badStatus = (() => { try { new Response("x", { status: 99 }); return "no error"; } catch (e) { return e.name; } })();
              const cloned = new Response("twice");
              r.responseClone = [await cloned.clone().text(), await cloned.text(), cloned.bodyUsed];
              const ac = new AbortController();
              let aborted = false;
              ac.signal.addEventListener("abort", () => { aborted = true; });
              ac.abort();
              r.abort = [aborted, ac.signal.aborted, ac.signal.reason.name];
              const et = new EventTarget();
              let got = null;
              et.addEventListener("ping", (e) => { got = (e as CustomEvent).detail; });
              et.dispatchEvent(new CustomEvent("ping", { detail: 7 }));
              r.events = got;
              r.reqInfo = [req.method, req.headers.get("x-test"), new URL(req.url).pathname];
              r.deno = [typeof Deno.env.toObject(), Deno.env.has("SUPABASE_URL")];
              console.log("webapi ran", { ok: true });
              return Response.json(r);
            });
            """);
        Write("functions/timers/index.js", """
            let count = 0;
            Deno.serve(async () => {
              const order = [];
              setTimeout(() => order.push("timeout-20"), 20);
              setTimeout(() => order.push("timeout-0"), 0);
              queueMicrotask(() => order.push("microtask"));
              const cancelled = setTimeout(() => order.push("cancelled"), 5);
              clearTimeout(cancelled);
              let ticks = 0;
              await new Promise((resolve) => {
                const id = setInterval(() => { ticks++; if (ticks === 3) { clearInterval(id); resolve(); } }, 5);
              });
              await new Promise((r) => setTimeout(r, 30));
              count++;
              EdgeRuntime.waitUntil(new Promise((r) => setTimeout(r, 10)));
              return Response.json({ order, ticks, count });
            });
            """);
        Write("functions/form/index.ts", """
            Deno.serve(async (req) => {
              const form = await req.formData();
              const file = form.get("file") as File;
              return Response.json({
                name: form.get("name"),
                fileName: file.name,
                fileType: file.type,
                fileText: await file.text(),
              });
            });
            """);
        Write("functions/stream/index.ts", """
            Deno.serve(() => {
              const encoder = new TextEncoder();
              let i = 0;
              const body = new ReadableStream({
                async pull(controller) {
                  await new Promise((r) => setTimeout(r, 5));
                  if (i < 3) controller.enqueue(encoder.encode(`data: ${i++}\n\n`));
                  else controller.close();
                },
              });
              return new Response(body, { headers: { "Content-Type": "text/event-stream" } });
            });
            """);
        Write("functions/bytes/index.js", """
            Deno.serve(async (req) => {
              const input = new Uint8Array(await req.arrayBuffer());
              const out = input.map((b) => 255 - b);
              // Offset views encode their own bytes (jose encodes a GCM tag as subarray(-16)).
              const tail = out.subarray(3);
              // Strings iterate by code point: CR LF stays two bytes in the common atob decoder.
              const decoded = Uint8Array.from(atob("DQoNCg=="), (c) => c.charCodeAt(0));
              const points = [..."a\r\ne\u0301😀"].length;
              return new Response(out, { headers: { "content-type": "application/octet-stream", "x-b64": tail.toBase64(), "x-hex": tail.toHex(), "x-crlf": `${decoded.length},${points}` } });
            });
            """);
    }
}

public sealed class WebApiTests(WebApiFixture f) : IClassFixture<WebApiFixture>
{
    [Fact]
    public async Task Web_apis_behave_like_deno()
    {
        var request = f.Request(HttpMethod.Post, "webapi/sub");
        request.Headers.Add("x-test", "header-value");
        var response = await f.Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using var doc = JsonDocument.Parse(body);
        var r = doc.RootElement;
        string J(string name) => r.GetProperty(name).GetRawText();

        Assert.Equal("""["https://example.com:8443/a/c?x=1&y=two%20words#frag","https:","example.com:8443","example.com","8443","/a/c","?x=1&y=two%20words","#frag","https://example.com:8443"]""", J("url"));
        Assert.Equal("\"https://example.com:8443/a/c?x=1&y=two+words&z=a%26b#frag\"", J("urlAfterAppend"));
        Assert.Equal("\"https://example.com/a/d?q=1\"", J("relative"));
        Assert.Equal("true", J("badUrl"));
        Assert.Equal("""["a=1&b=x+y&a=2",["1","2"],"x y",false]""", J("search"));
        Assert.Equal("""["text/plain","1, 2",["content-type","x-multi"],false]""", J("headers"));
        Assert.Equal("[10,[104,195,169]]", J("encoded"));
        Assert.Equal("\"héllo €\"", J("decoded"));
        Assert.Equal("\"héllo €\"", J("streamDecoded"));
        Assert.Equal("""["aGVsbG8=","hello","InvalidCharacterError"]""", J("base64"));
        Assert.Equal("true", J("uuid"));
        Assert.Equal("true", J("random"));
        Assert.Equal("\"" + Convert.ToHexStringLower(SHA256.HashData("abc"u8)) + "\"", J("sha256"));
        Assert.Equal("\"" + Convert.ToBase64String(HMACSHA256.HashData("secret"u8, "message"u8)) + "\"", J("hmac"));
        Assert.Equal("true", J("hmacVerify"));
        Assert.Equal("[true,true,0,[1,2],1,true]", J("clone"));
        Assert.Equal("""[3,"abc","text/plain"]""", J("blob"));
        Assert.Equal("""[202,"application/json",{"ok":true}]""", J("responseJson"));
        Assert.Equal("\"RangeError\"", J("badStatus"));
        Assert.Equal("""["twice","twice",true]""", J("responseClone"));
        Assert.Equal("""[true,true,"AbortError"]""", J("abort"));
        Assert.Equal("7", J("events"));
        Assert.Equal("""["POST","header-value","/webapi/sub"]""", J("reqInfo"));
        Assert.Equal("""["object",true]""", J("deno"));
    }

    [Fact]
    public async Task Timers_intervals_and_microtasks_run_in_order_and_module_state_persists()
    {
        var first = await f.Client.SendAsync(f.Request(HttpMethod.Get, "timers"));
        var body = await first.Content.ReadAsStringAsync();
        Assert.True(first.StatusCode == HttpStatusCode.OK, body);
        using var doc = JsonDocument.Parse(body);
        Assert.Equal("""["microtask","timeout-0","timeout-20"]""", doc.RootElement.GetProperty("order").GetRawText());
        Assert.Equal(3, doc.RootElement.GetProperty("ticks").GetInt32());
    }

    [Fact]
    public async Task Multipart_form_data_reaches_req_formData()
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent("Ada"), "name" },
        };
        var file = new ByteArrayContent("file body"u8.ToArray());
        file.Headers.ContentType = new("text/csv");
        form.Add(file, "file", "data.csv");
        var request = f.Request(HttpMethod.Post, "form");
        request.Content = form;
        var response = await f.Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal("""{"name":"Ada","fileName":"data.csv","fileType":"text/csv","fileText":"file body"}""", body);
    }

    [Fact]
    public async Task Readable_stream_body_is_streamed_to_the_client()
    {
        var response = await f.Client.SendAsync(f.Request(HttpMethod.Get, "stream"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        Assert.Null(response.Content.Headers.ContentLength);
        Assert.Equal("data: 0\n\ndata: 1\n\ndata: 2\n\n", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Binary_bodies_round_trip()
    {
        var request = f.Request(HttpMethod.Post, "bytes");
        request.Content = new ByteArrayContent([0, 1, 2, 254, 255]);
        var response = await f.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new byte[] { 255, 254, 253, 1, 0 }, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(5, response.Content.Headers.ContentLength);
        Assert.Equal("AQA=", response.Headers.GetValues("x-b64").Single());
        Assert.Equal("0100", response.Headers.GetValues("x-hex").Single());
        Assert.Equal("4,6", response.Headers.GetValues("x-crlf").Single());
    }
}
