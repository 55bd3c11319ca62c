using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Supacs.Core.Config;
using Supacs.Functions.Packages;

namespace Supacs.Functions.Tests.Packages;

/// <summary>
/// Functions whose imports are not in any node_modules: installed at first load from a local registry peer into the
/// data dir's store (semver ranges of the package and its dependencies, integrity checked), never from esm.sh/jsr hosts.
/// </summary>
public sealed class PackageInstallFixture : FunctionsHostFixture
{
    public LocalNpmRegistry Registry { get; private set; } = null!;

    protected override string ConfigToml => $"""
        [edge_runtime]
        npm_registry = "{Registry.Url}"
        jsr_registry = "{Registry.Url}"
        [functions.greet]
        verify_jwt = false
        [functions.greet-local]
        verify_jwt = false
        [functions.cjs]
        verify_jwt = false
        [functions.jsr-and-x]
        verify_jwt = false
        [functions.bad-integrity]
        verify_jwt = false
        [functions.not-in-registry]
        verify_jwt = false
        [functions.unknown-x]
        verify_jwt = false
        [functions.no-match]
        verify_jwt = false
        """;

    protected override async Task InitializeDatabaseAsync(Supacs.Testing.TestDatabase database)
    {
        Registry = await LocalNpmRegistry.StartAsync();
        // tiny-pad: the dependency, several versions so ranges decide.
        foreach (var v in new[] { "1.1.0", "1.2.5", "1.3.0", "2.0.0" })
            Registry.Add("tiny-pad", v, new()
            {
                ["index.js"] = $"export default function pad(s) {{ return '[{v}]' + s; }}\n",
                ["index.cjs"] = $"module.exports = function pad(s) {{ return '[{v} cjs]' + s; }};\n",
            }, exports: """{ ".": { "import": "./index.js", "require": "./index.cjs" } }""");
        // tiny-greet: latest is 2.0.0, but ^1.1 must pick 1.1.0; 1.1.0 depends on tiny-pad ^1.2.0 (→ 1.3.0).
        Registry.Add("tiny-greet", "1.0.0", new() { ["index.js"] = "export const greet = (n) => 'v1.0 ' + n;\n" });
        Registry.Add("tiny-greet", "1.1.0", new()
        {
            ["index.js"] = "import pad from 'tiny-pad';\nexport { shout } from './lib/shout.js';\nexport const greet = (n) => pad('hello ' + n);\n",
            ["lib/shout.js"] = "export const shout = (s) => s.toUpperCase();\n",
        }, dependencies: new() { ["tiny-pad"] = "^1.2.0" });
        Registry.Add("tiny-greet", "2.0.0", new() { ["index.js"] = "export const greet = (n) => 'v2 ' + n;\n" });
        // A CommonJS package pinning an older tiny-pad range (~1.2.0 → 1.2.5) through require.
        Registry.Add("cjs-thing", "3.0.0", new()
        {
            ["lib/index.js"] = "const pad = require('tiny-pad');\nexports.wrap = (s) => (pad.default || pad)('<' + s + '>');\n",
        }, dependencies: new() { ["tiny-pad"] = "~1.2.0" }, type: null, main: "lib/index.js");
        // JSR through the npm compatibility registry, and deno.land/x/zod mapped to npm zod.
        Registry.Add("@jsr/acme__kit", "0.4.2", new() { ["mod.js"] = "export const kit = () => 'jsr kit';\n" }, exports: """{ ".": "./mod.js" }""");
        Registry.Add("@jsr/std__async", "1.0.5", new()
        {
            ["delay.js"] = "export const delay = (ms) => new Promise((r) => setTimeout(() => r('delayed ' + ms), ms));\n",
            ["mod.js"] = "export * from './delay.js';\n",
        }, exports: """{ ".": "./mod.js", "./delay": "./delay.js" }""");
        Registry.Add("@jsr/std__media-types", "1.1.0", new() { ["mod.js"] = "export const contentType = (e) => e === 'json' ? 'application/json; charset=UTF-8' : undefined;\n" }, exports: """{ ".": "./mod.js" }""");
        Registry.Add("zod", "3.22.4", new() { ["index.js"] = "export const z = { kind: 'zod 3.22.4 from npm' };\n" });
        Registry.Add("bad-pkg", "1.0.0", new() { ["index.js"] = "export default 1;\n" });
        Registry.Corrupt("bad-pkg");
        await base.InitializeDatabaseAsync(database);
    }

    protected override void WriteFunctions()
    {
        Write("functions/greet/index.ts", """
            import { greet, shout } from "npm:tiny-greet@^1.1";
            import { greet as viaEsm } from "https://esm.sh/tiny-greet@1.1.0?target=deno";
            Deno.serve(() => Response.json({ greet: greet("npm"), esm: viaEsm("esm"), shout: shout("x") }));
            """);
        // node_modules next to the project holds tiny-greet 1.0.0: used when in range, skipped when not.
        var local = Path.Combine(ProjectDir, "node_modules", "tiny-greet");
        Directory.CreateDirectory(local);
        File.WriteAllText(Path.Combine(local, "package.json"), """{"name":"tiny-greet","version":"1.0.0","type":"module","main":"index.js"}""");
        File.WriteAllText(Path.Combine(local, "index.js"), "export const greet = (n) => 'local ' + n;\n");
        Write("functions/greet-local/index.ts", """
            import { greet } from "npm:tiny-greet@1";
            import { greet as newer } from "npm:tiny-greet@~1.1.0";
            Deno.serve(() => Response.json({ local: greet("a"), newer: newer("b") }));
            """);
        Write("functions/cjs/index.ts", """
            import { wrap } from "npm:cjs-thing@3";
            Deno.serve(() => new Response(wrap("c")));
            """);
        Write("functions/jsr-and-x/index.ts", """
            import { kit } from "jsr:@acme/kit@^0.4.0";
            import { z } from "https://deno.land/x/zod@v3.22.4/mod.ts";
            import { delay } from "https://deno.land/std@0.168.0/async/delay.ts";
            import { contentType } from "https://deno.land/std@0.224.0/media_types/mod.ts";
            Deno.serve(async () => Response.json({ kit: kit(), zod: z.kind, delay: await delay(1), type: contentType("json") }));
            """);
        Write("functions/bad-integrity/index.ts", """
            import x from "npm:bad-pkg@1";
            Deno.serve(() => new Response(String(x)));
            """);
        Write("functions/not-in-registry/index.ts", """
            import x from "https://esm.sh/no-such-package-anywhere@1.0.0";
            Deno.serve(() => new Response(String(x)));
            """);
        Write("functions/unknown-x/index.ts", """
            import { thing } from "https://deno.land/x/some_deno_only_lib@v1.0.0/mod.ts";
            Deno.serve(() => new Response(String(thing)));
            """);
        Write("functions/no-match/index.ts", """
            import { greet } from "npm:tiny-greet@^5";
            Deno.serve(() => new Response(greet("x")));
            """);
    }

    public string StoreDir => PackageStore.DefaultRoot(Host.Project.DataDir);

    protected override async Task DisposePeersAsync() => await Registry.DisposeAsync();
}

public sealed class PackageInstallTests(PackageInstallFixture f) : IClassFixture<PackageInstallFixture>
{
    private async Task<string> GetOkAsync(string function)
    {
        var response = await f.Client.SendAsync(f.Request(HttpMethod.Get, function));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {body}\n{f.Logs.Dump()}");
        return body;
    }

    private async Task AssertBootErrorAsync(string function, string cause)
    {
        var response = await f.Client.SendAsync(f.Request(HttpMethod.Get, function));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("BOOT_ERROR", response.Headers.GetValues("sb-error-code").Single());
        for (var i = 0; i < 40 && !f.Logs.Dump().Contains(cause, StringComparison.Ordinal); i++) await Task.Delay(50);
        Assert.Contains(cause, f.Logs.Dump(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Npm_and_esm_sh_imports_are_installed_with_their_dependency_ranges_resolved()
    {
        Assert.Equal("""{"greet":"[1.3.0]hello npm","esm":"[1.3.0]hello esm","shout":"X"}""", await GetOkAsync("greet"));
        Assert.True(File.Exists(Path.Combine(f.StoreDir, "tiny-greet@1.1.0", "node_modules", "tiny-greet", "lib", "shout.js")));
        Assert.True(Directory.Exists(Path.Combine(f.StoreDir, "tiny-pad@1.3.0")));
        Assert.False(Directory.Exists(Path.Combine(f.StoreDir, "tiny-greet@2.0.0")), "latest is outside ^1.1 and must not be installed");
        // Other functions' installs may be in flight (start-up pre-warm); none may leave a temp folder behind.
        for (var i = 0; i < 100 && Directory.EnumerateDirectories(f.StoreDir, ".tmp-*").Any(); i++) await Task.Delay(50);
        Assert.Empty(Directory.EnumerateDirectories(f.StoreDir, ".tmp-*"));
        // Installed once, then served from the store: an edit reboots the function without downloading again.
        var before = f.Registry.TarballHits("tiny-greet");
        Assert.True(before >= 1);
        File.AppendAllText(Path.Combine(f.ProjectDir, "supabase", "functions", "greet", "index.ts"), "\n// edited\n");
        await GetOkAsync("greet");
        Assert.Equal(before, f.Registry.TarballHits("tiny-greet"));
    }

    [Fact]
    public async Task A_project_node_modules_package_is_used_only_when_its_version_is_in_range()
    {
        Assert.Equal("""{"local":"local a","newer":"[1.3.0]hello b"}""", await GetOkAsync("greet-local"));
    }

    [Fact]
    public async Task CommonJs_dependency_resolves_to_the_version_its_own_range_declares()
    {
        Assert.Equal("[1.2.5 cjs]<c>", await GetOkAsync("cjs"));
    }

    [Fact]
    public async Task Jsr_and_deno_land_std_go_to_the_npm_compatibility_names_and_deno_land_x_zod_to_npm()
    {
        Assert.Equal("""{"kit":"jsr kit","zod":"zod 3.22.4 from npm","delay":"delayed 1","type":"application/json; charset=UTF-8"}""", await GetOkAsync("jsr-and-x"));
        Assert.True(Directory.Exists(Path.Combine(f.StoreDir, "@jsr+acme__kit@0.4.2")));
        Assert.True(f.Registry.Hits.ContainsKey("/@jsr%2facme__kit") || f.Registry.Hits.ContainsKey("/@jsr%2Facme__kit"), string.Join(",", f.Registry.Hits.Keys));
    }

    [Fact]
    public async Task A_tarball_failing_its_integrity_check_is_a_boot_error_and_nothing_is_installed()
    {
        await AssertBootErrorAsync("bad-integrity", "integrity check failed for bad-pkg@1.0.0");
        Assert.Empty(Directory.Exists(f.StoreDir) ? Directory.EnumerateDirectories(f.StoreDir, "bad-pkg@*") : []);
    }

    [Fact]
    public Task A_package_missing_from_the_registry_is_a_boot_error_naming_it() =>
        AssertBootErrorAsync("not-in-registry", "package no-such-package-anywhere was not found in the registry");

    [Fact]
    public Task A_deno_land_x_module_without_npm_equivalent_is_a_clear_boot_error() =>
        AssertBootErrorAsync("unknown-x", "\"some_deno_only_lib\" has no known npm or JSR equivalent");

    [Fact]
    public Task A_range_no_version_satisfies_is_a_boot_error() =>
        AssertBootErrorAsync("no-match", "no version of tiny-greet matches \"^5\"");

    [Fact]
    public async Task Concurrent_installers_of_the_same_package_share_one_folder()
    {
        var root = Path.Combine(Path.GetTempPath(), "supacs-store-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            using var http = new HttpClient();
            var registries = new NpmRegistries(f.Registry.Url, f.Registry.Url);
            // Separate stores over one folder behave like separate processes (no shared lock).
            var stores = Enumerable.Range(0, 4).Select(_ => new PackageStore(root, registries, http, NullLogger.Instance)).ToList();
            var request = new PackageRequest("tiny-greet", "tiny-greet", "~1.1", "", "npm:tiny-greet@~1.1");
            var versions = await Task.WhenAll(stores.Select(s => Task.Run(() => s.Install(request))));
            Assert.All(versions, v => Assert.Equal("1.1.0", v.Text));
            Assert.Equal(["tiny-greet@1.1.0", "tiny-pad@1.3.0"], Directory.EnumerateDirectories(root).Select(d => Path.GetFileName(d)!).Order().ToArray());
            // Offline afterwards: a store whose registry is unreachable still finds what is installed.
            var offline = new PackageStore(root, new NpmRegistries("http://127.0.0.1:9", "http://127.0.0.1:9"), http, NullLogger.Instance);
            Assert.Equal("1.1.0", offline.Installed("tiny-greet", "^1.0.0")?.Text);
            Assert.Equal("1.1.0", offline.Install(request).Text);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void A_store_reuses_recent_registry_metadata_across_installs()
    {
        var root = Path.Combine(Path.GetTempPath(), "supacs-store-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            using var http = new HttpClient();
            var store = new PackageStore(root, new NpmRegistries(f.Registry.Url, f.Registry.Url), http, NullLogger.Instance);
            int Packuments() => f.Registry.Hits.GetValueOrDefault("/tiny-pad");
            var before = Packuments();
            store.Install(new PackageRequest("tiny-greet", "tiny-greet", "~1.1", "", "npm:tiny-greet@~1.1"));
            store.Install(new PackageRequest("tiny-pad", "tiny-pad", "1.1.0", "", "npm:tiny-pad@1.1.0"));
            Assert.Equal(before + 1, Packuments());
            Assert.Equal("1.1.0", store.Installed("tiny-pad", "~1.1.0")?.Text);
            Assert.Equal("1.3.0", store.Installed("tiny-pad", "^1.2.0")?.Text);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Functions_install_reads_every_function_and_installs_its_imports()
    {
        var data = Path.Combine(Path.GetTempPath(), "supacs-install-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var config = ProjectConfig.Load(f.ProjectDir);
            var lines = new List<string>();
            var report = FunctionPackages.Install(f.ProjectDir, data, config, lines.Add);
            Assert.Equal(8, report.Functions);
            Assert.Contains("tiny-greet@1.1.0", report.Packages);
            Assert.Contains("cjs-thing@3.0.0", report.Packages);
            Assert.Contains("@jsr/acme__kit@0.4.2", report.Packages);
            Assert.Contains("zod@3.22.4", report.Packages);
            Assert.True(Directory.Exists(Path.Combine(PackageStore.DefaultRoot(data), "tiny-pad@1.2.5")), "dependencies are installed too");
            Assert.Contains(report.Errors, e => e.Contains("integrity check failed", StringComparison.Ordinal));
            Assert.Contains(report.Errors, e => e.Contains("some_deno_only_lib", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.StartsWith("greet: installing npm:tiny-greet@^1.1", StringComparison.Ordinal));
        }
        finally
        {
            if (Directory.Exists(data)) Directory.Delete(data, recursive: true);
        }
    }
}
