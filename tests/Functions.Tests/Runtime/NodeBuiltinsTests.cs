using System.Net;
using System.Text.Json;

namespace Supacs.Functions.Tests.Runtime;

/// <summary>node: built-ins functions and npm packages import: buffer, crypto, path, querystring, stream, events, util, string_decoder.</summary>
public sealed class NodeBuiltinsFixture : FunctionsHostFixture
{
    protected override string ConfigToml => """
        [edge_runtime]
        npm_registry = "http://127.0.0.1:9"
        [functions.node-esm]
        verify_jwt = false
        [functions.node-cjs]
        verify_jwt = false
        [functions.compression]
        verify_jwt = false
        [functions.node-fs]
        verify_jwt = false
        """;

    protected override void WriteFunctions()
    {
        Write("functions/node-esm/index.ts", """
            import { Buffer } from "node:buffer";
            import crypto, { createHmac, timingSafeEqual } from "node:crypto";
            import path from "node:path";
            import { join } from "node:path";
            import querystring from "node:querystring";
            import { Readable, Transform, Writable, pipeline } from "node:stream";
            import { EventEmitter, once } from "node:events";
            import { promisify } from "node:util";
            import process from "node:process";

            Deno.serve(async () => {
              const b = Buffer.from("hello");
              const joined = Buffer.concat([b, Buffer.from([0, 0, 1, 2])]);
              const chunks: string[] = [];
              for await (const c of Readable.from(["a", "b", "c"])) chunks.push(c);
              let sink = "";
              await pipeline(
                Readable.from(["hel", "lo"]),
                new Transform({ transform(c, _e, cb) { cb(null, String(c).toUpperCase()); } }),
                new Writable({ write(c, _e, cb) { sink += String(c); cb(); } }),
              );
              const em = new EventEmitter();
              setTimeout(() => em.emit("ready", 42), 1);
              const [ready] = await once(em, "ready");
              const later = await promisify((x: number, cb: (e: unknown, v?: number) => void) => cb(null, x * 2))(21);
              return Response.json({
                b64: b.toString("base64"), hex: b.toString("hex"), back: Buffer.from("aGVsbG8", "base64url").toString(),
                euro: [Buffer.from("€").length, Buffer.byteLength("€")], latin1: Buffer.from("ÿ", "latin1")[0],
                utf16: Buffer.from("hi", "utf16le").toString("hex"), json: JSON.stringify(Buffer.from([1, 2])),
                u32: joined.readUInt32BE(5), sliceIsBuffer: Buffer.isBuffer(joined.slice(1, 3)), sliceText: joined.slice(1, 3).toString(),
                sha256: crypto.createHash("sha256").update("abc").digest("hex"),
                md5: crypto.createHash("md5").update("a").update("bc").digest("hex"),
                hmac: createHmac("sha256", "key").update("The quick brown fox jumps over the lazy dog").digest("hex"),
                hmacB64: createHmac("sha1", Buffer.from("key")).update(Buffer.from("x")).digest("base64").length,
                safe: [timingSafeEqual(Buffer.from("ab"), Buffer.from("ab")), timingSafeEqual(Buffer.from("ab"), Buffer.from("ac"))],
                random: crypto.randomBytes(8).length,
                path: [join("/a/b", "../c", "d.ts"), path.basename("/x/y.ts", ".ts"), path.extname("a.b.c"), path.dirname("/a/b/c"),
                  path.relative("/a/b", "/a/c/d"), path.resolve("/a", "b", "../c"), path.normalize("a//b/../c/")],
                qs: querystring.parse("a=1&b=2&a=3&c=x%20y"), qs2: querystring.stringify({ a: [1, 2], b: "x y" }),
                chunks: chunks.join(""), sink, ready, later, platform: process.platform,
              });
            });
            """);
        WritePackage("node_modules/cjs-node-user/package.json", """{"name":"cjs-node-user","version":"1.0.0","main":"index.js"}""");
        WritePackage("node_modules/cjs-node-user/index.js", """
            'use strict';
            const { Buffer: B } = require('buffer');
            const crypto = require('crypto');
            const { StringDecoder } = require('string_decoder');
            const path = require('node:path');
            const qs = require('querystring');
            exports.run = () => {
              const d = new StringDecoder('utf8');
              const euro = Buffer.from('€');
              const text = d.write(euro.subarray(0, 1)) + d.write(euro.subarray(1)) + d.end();
              return {
                sameBuffer: B === Buffer, isUint8: Buffer.from('x') instanceof Uint8Array, globalIsGlobal: global === globalThis,
                sig: crypto.createHmac('sha256', 'secret').update('payload').digest('hex'), text,
                ext: path.extname('file.tar.gz'), q: qs.stringify({ x: 1 }),
              };
            };
            """);
        Write("functions/node-cjs/index.ts", """
            import { run } from "npm:cjs-node-user@1";
            Deno.serve(() => Response.json(run()));
            """);
        Write("functions/compression/index.ts", """
            import zlib from "node:zlib";
            import { gunzipSync, brotliCompressSync, brotliDecompressSync, inflateRawSync, deflateRawSync, unzipSync, deflateSync } from "node:zlib";
            Deno.serve(async () => {
              const text = "hello hello hello hello";
              const gz = zlib.gzipSync(text);
              const viaStream = await new Response(new Response(text).body!.pipeThrough(new CompressionStream("gzip"))).arrayBuffer();
              const back = await new Response(new Response(viaStream).body!.pipeThrough(new DecompressionStream("gzip"))).text();
              const cb = await new Promise<string>((res, rej) => zlib.deflate(text, (e, b) => (e ? rej(e) : zlib.inflate(b, (e2, t) => (e2 ? rej(e2) : res(t.toString()))))));
              const corrupt = (() => { try { gunzipSync(new Uint8Array([1, 2, 3])); return "no"; } catch (e) { return (e as { code: string }).code; } })();
              return Response.json({
                gz: gz.toString("base64"), gzBack: gunzipSync(gz).toString(),
                brotli: brotliDecompressSync(brotliCompressSync(text)).toString(), raw: inflateRawSync(deflateRawSync(text)).toString(),
                unzip: [unzipSync(gz).toString(), unzipSync(deflateSync(text)).toString()],
                stream: [new Uint8Array(viaStream)[0], new Uint8Array(viaStream)[1], back], cb, corrupt,
              });
            });
            """);
        Write("functions/node-fs/index.ts", """
            import { readFileSync } from "node:fs";
            Deno.serve(() => new Response(String(readFileSync)));
            """);
    }

    private void WritePackage(string relative, string content)
    {
        var path = Path.Combine(ProjectDir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }
}

public sealed class NodeBuiltinsTests(NodeBuiltinsFixture f) : IClassFixture<NodeBuiltinsFixture>
{
    private async Task<JsonElement> GetAsync(string function)
    {
        var response = await f.Client.SendAsync(f.Request(HttpMethod.Get, function));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body + "\n" + f.Logs.Dump());
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    [Fact]
    public async Task Esm_node_imports_behave_like_node()
    {
        var r = await GetAsync("node-esm");
        Assert.Equal("aGVsbG8=", r.GetProperty("b64").GetString());
        Assert.Equal("68656c6c6f", r.GetProperty("hex").GetString());
        Assert.Equal("hello", r.GetProperty("back").GetString());
        Assert.Equal("[3,3]", r.GetProperty("euro").GetRawText());
        Assert.Equal(255, r.GetProperty("latin1").GetInt32());
        Assert.Equal("68006900", r.GetProperty("utf16").GetString());
        Assert.Equal("""{"type":"Buffer","data":[1,2]}""", r.GetProperty("json").GetString());
        Assert.Equal(258, r.GetProperty("u32").GetInt32());
        Assert.True(r.GetProperty("sliceIsBuffer").GetBoolean());
        Assert.Equal("el", r.GetProperty("sliceText").GetString());
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", r.GetProperty("sha256").GetString());
        Assert.Equal("900150983cd24fb0d6963f7d28e17f72", r.GetProperty("md5").GetString());
        Assert.Equal("f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8", r.GetProperty("hmac").GetString());
        Assert.Equal(28, r.GetProperty("hmacB64").GetInt32());
        Assert.Equal("[true,false]", r.GetProperty("safe").GetRawText());
        Assert.Equal(8, r.GetProperty("random").GetInt32());
        Assert.Equal("""["/a/c/d.ts","y",".c","/a/b","../c/d","/a/c","a/c/"]""", r.GetProperty("path").GetRawText());
        Assert.Equal("""{"a":["1","3"],"b":"2","c":"x y"}""", r.GetProperty("qs").GetRawText());
        Assert.Equal("a=1&a=2&b=x%20y", r.GetProperty("qs2").GetString());
        Assert.Equal("abc", r.GetProperty("chunks").GetString());
        Assert.Equal("HELLO", r.GetProperty("sink").GetString());
        Assert.Equal(42, r.GetProperty("ready").GetInt32());
        Assert.Equal(42, r.GetProperty("later").GetInt32());
        Assert.Equal("linux", r.GetProperty("platform").GetString());
    }

    [Fact]
    public async Task CommonJs_packages_get_node_builtins_and_globals()
    {
        var r = await GetAsync("node-cjs");
        Assert.True(r.GetProperty("sameBuffer").GetBoolean());
        Assert.True(r.GetProperty("isUint8").GetBoolean());
        Assert.True(r.GetProperty("globalIsGlobal").GetBoolean());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData("secret"u8, "payload"u8)), r.GetProperty("sig").GetString());
        Assert.Equal("€", r.GetProperty("text").GetString());
        Assert.Equal(".gz", r.GetProperty("ext").GetString());
        Assert.Equal("x=1", r.GetProperty("q").GetString());
    }

    [Fact]
    public async Task Zlib_and_compression_streams_round_trip_and_match_dotnet()
    {
        var r = await GetAsync("compression");
        using (var gz = new System.IO.Compression.GZipStream(new MemoryStream(Convert.FromBase64String(r.GetProperty("gz").GetString()!)), System.IO.Compression.CompressionMode.Decompress))
        using (var reader = new StreamReader(gz))
            Assert.Equal("hello hello hello hello", reader.ReadToEnd());
        Assert.Equal("hello hello hello hello", r.GetProperty("gzBack").GetString());
        Assert.Equal("hello hello hello hello", r.GetProperty("brotli").GetString());
        Assert.Equal("hello hello hello hello", r.GetProperty("raw").GetString());
        Assert.Equal("""["hello hello hello hello","hello hello hello hello"]""", r.GetProperty("unzip").GetRawText());
        Assert.Equal("""[31,139,"hello hello hello hello"]""", r.GetProperty("stream").GetRawText());
        Assert.Equal("hello hello hello hello", r.GetProperty("cb").GetString());
        Assert.Equal("Z_DATA_ERROR", r.GetProperty("corrupt").GetString());
    }

    [Fact]
    public async Task An_unavailable_node_module_is_a_boot_error_naming_it()
    {
        var response = await f.Client.SendAsync(f.Request(HttpMethod.Get, "node-fs"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        for (var i = 0; i < 40 && !f.Logs.Dump().Contains("node:fs", StringComparison.Ordinal); i++) await Task.Delay(50);
        Assert.Contains("\"node:fs\" is not available in Supacs edge functions", f.Logs.Dump(), StringComparison.Ordinal);
    }
}
