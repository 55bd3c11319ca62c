using System.Net;

namespace Supacs.Functions.Tests.Loading;

/// <summary>npm:/esm.sh/jsr:/bare imports resolved to installed packages (node_modules next to the project), never fetched.</summary>
public sealed class PackageImportFixture : FunctionsHostFixture
{
    // No registry reachable: everything here must come from node_modules next to the project.
    protected override string ConfigToml => """
        [edge_runtime]
        npm_registry = "http://127.0.0.1:9"
        [functions.uses-packages]
        verify_jwt = false
        [functions.missing-package]
        verify_jwt = false
        [functions.import-map]
        verify_jwt = false
        [functions.commonjs]
        verify_jwt = false
        [functions.std-modules]
        verify_jwt = false
        """;

    protected override void WriteFunctions()
    {
        // A package shaped like the real ones: conditional "exports", a subpath export, extensionless relative imports
        // (compiled TypeScript) and a dependency of its own found by walking up node_modules.
        WritePackage("node_modules/@acme/greeter/package.json", """
            {"name":"@acme/greeter","version":"1.2.3","exports":{".":{"require":"./dist/index.cjs","import":{"types":"./x.d.ts","default":"./dist/index.mjs"}},"./format":"./dist/format/index.js"}}
            """);
        WritePackage("node_modules/@acme/greeter/dist/index.mjs", """
            import { shout } from "./lib/shout";
            import pad from "leftpad-lite";
            export function greet(name) { return shout(pad("hello " + name)); }
            """);
        WritePackage("node_modules/@acme/greeter/dist/lib/shout.js", "export const shout = (s) => s.toUpperCase();\n");
        WritePackage("node_modules/@acme/greeter/dist/format/index.js", "export default (n) => `#${n}`;\n");
        WritePackage("node_modules/leftpad-lite/package.json", """{"name":"leftpad-lite","module":"esm/index.js","main":"cjs/index.js"}""");
        WritePackage("node_modules/leftpad-lite/esm/index.js", "export default function pad(s) { return '>' + s; }\n");

        Write("functions/uses-packages/index.ts", """
            import { greet } from "npm:@acme/greeter@^1.2";
            import { greet as viaEsmSh } from "https://esm.sh/@acme/greeter@1.2.3?target=deno";
            import format from "https://esm.sh/v135/@acme/greeter@1.2.3/format";
            import { greet as viaJsr } from "jsr:@acme/greeter@1";
            import pad from "leftpad-lite";
            Deno.serve(() => Response.json({ npm: greet("npm"), esm: viaEsmSh("esm"), format: format(7), jsr: viaJsr("jsr"), bare: pad("x") }));
            """);
        WritePackage("node_modules/leftpad-lite/cjs/index.js", "module.exports = function pad(s) { return '>>' + s; };\n");
        WritePackage("node_modules/cjs-lib/package.json", """{"name":"cjs-lib","version":"4.5.6","main":"lib/index"}""");
        WritePackage("node_modules/cjs-lib/lib/index.js", """
            'use strict';
            const { wrap } = require('./helper');
            const pad = require('leftpad-lite');
            const EventEmitter = require('node:events');
            const { version } = require('../package.json');
            exports.greet = (n) => wrap(pad(n));
            exports.version = version;
            exports.emits = () => { const e = new EventEmitter(); let got = null; e.on('x', (v) => { got = v; }); e.emit('x', 5); return got; };
            exports.nodeEnv = typeof process.env.NODE_ENV;
            """);
        WritePackage("node_modules/cjs-lib/lib/helper.js", "module.exports = { wrap: (s) => `[${s}]` };\n");
        WritePackage("node_modules/transpiled-esm/package.json", """{"name":"transpiled-esm","main":"index.js"}""");
        WritePackage("node_modules/transpiled-esm/index.js", """
            "use strict";
            Object.defineProperty(exports, "__esModule", { value: true });
            exports.default = function render(x) { return "<p>" + x + "</p>"; };
            exports.named = 1;
            """);
        Write("functions/commonjs/index.ts", """
            import lib, { greet, version } from "npm:cjs-lib@4";
            import render, { named } from "https://esm.sh/transpiled-esm";
            Deno.serve(() => Response.json({ greet: greet("n"), version, viaDefault: lib.greet("d"), emits: lib.emits(), env: lib.nodeEnv, render: render("x"), named }));
            """);
        Write("functions/std-modules/index.ts", """
            import "https://deno.land/std@0.168.0/dotenv/load.ts";
            import { encode, decode } from "https://deno.land/std@0.168.0/encoding/base64.ts";
            import { encode as hexEncode } from "https://deno.land/std@0.168.0/encoding/hex.ts";
            import { encodeBase64Url } from "https://deno.land/std@0.224.0/encoding/base64url.ts";
            import { encodeHex } from "jsr:@std/encoding@1/hex";
            import { crypto as stdCrypto } from "https://deno.land/std@0.177.0/crypto/mod.ts";
            Deno.serve(() => Response.json({
              b64: encode("hi?>"),
              back: new TextDecoder().decode(decode("aGk/Pg==")),
              hex: new TextDecoder().decode(hexEncode(new Uint8Array([1, 171]))),
              hex2: encodeHex("AB"),
              url: encodeBase64Url(new Uint8Array([251, 255])),
              sameCrypto: stdCrypto === crypto,
            }));
            """);
        Write("functions/_shared/cors.ts", "export const corsHeaders = { 'Access-Control-Allow-Origin': '*' };\n");
        Write("functions/import-map/deno.jsonc", """
            {
              // per-function dependencies, as the CLI scaffolds them
              "imports": {
                "greeter": "npm:@acme/greeter@1",
                "shared/": "../_shared/",
                "std/": "https://deno.land/std@0.177.0/",
              },
              // modules under _shared/ get their own "greeter"
              "scopes": { "../_shared/": { "greeter": "./local-greeter.ts" } },
            }
            """);
        Write("functions/import-map/local-greeter.ts", "export const greet = (n: string) => `scoped ${n}`;\n");
        Write("functions/_shared/scoped.ts", """
            import { greet } from "greeter";
            export const viaScope = () => greet("s");
            """);
        Write("functions/import-map/index.ts", """
            import { serve } from "std/http/server.ts";
            import { corsHeaders } from "shared/cors.ts";
            import { greet } from "greeter";
            import { viaScope } from "shared/scoped.ts";
            serve(() => new Response(greet("map") + "|" + viaScope(), { headers: corsHeaders }));
            """);
        Write("functions/missing-package/index.ts", """
            import Stripe from "https://esm.sh/stripe-not-installed@14.21.0";
            Deno.serve(() => new Response(String(Stripe)));
            """);
    }

    private void WritePackage(string relative, string content)
    {
        var path = Path.Combine(ProjectDir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }
}

public sealed class PackageImportTests(PackageImportFixture f) : IClassFixture<PackageImportFixture>
{
    [Fact]
    public async Task Npm_esm_sh_jsr_and_bare_specifiers_resolve_to_installed_packages()
    {
        var response = await f.Client.SendAsync(f.Request(HttpMethod.Get, "uses-packages"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body + "\n" + f.Logs.Dump());
        Assert.Equal("""{"npm":">HELLO NPM","esm":">HELLO ESM","format":"#7","jsr":">HELLO JSR","bare":">x"}""", body);
    }

    [Fact]
    public async Task Deno_json_import_map_maps_bare_prefix_std_and_scoped_specifiers()
    {
        var response = await f.Client.SendAsync(f.Request(HttpMethod.Get, "import-map"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body + "\n" + f.Logs.Dump());
        Assert.Equal(">HELLO MAP|scoped s", body);
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task CommonJs_packages_load_through_require_with_named_and_default_exports()
    {
        var response = await f.Client.SendAsync(f.Request(HttpMethod.Get, "commonjs"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body + "\n" + f.Logs.Dump());
        Assert.Equal("""{"greet":"[>>n]","version":"4.5.6","viaDefault":"[>>d]","emits":5,"env":"undefined","render":"<p>x</p>","named":1}""", body);
    }

    [Fact]
    public async Task Common_deno_land_std_modules_are_served_locally()
    {
        var response = await f.Client.SendAsync(f.Request(HttpMethod.Get, "std-modules"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body + "\n" + f.Logs.Dump());
        Assert.Equal("""{"b64":"aGk/Pg==","back":"hi?>","hex":"01ab","hex2":"4142","url":"-_8","sameCrypto":true}""", body);
    }

    [Fact]
    public async Task A_package_that_cannot_be_installed_offline_is_a_boot_error_naming_it_and_the_registry()
    {
        var response = await f.Client.SendAsync(f.Request(HttpMethod.Get, "missing-package"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        for (var i = 0; i < 40 && !f.Logs.Dump().Contains("stripe-not-installed", StringComparison.Ordinal); i++) await Task.Delay(50);
        Assert.Contains("Installing \"https://esm.sh/stripe-not-installed@14.21.0\" (stripe-not-installed@14.21.0) failed: could not reach the registry http://127.0.0.1:9", f.Logs.Dump(), StringComparison.Ordinal);
    }
}
