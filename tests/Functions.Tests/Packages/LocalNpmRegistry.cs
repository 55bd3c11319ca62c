using System.Collections.Concurrent;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Supacs.Functions.Tests.Packages;

/// <summary>
/// A registry peer for tests: serves npm packuments and .tgz tarballs built here from small in-memory packages,
/// counts requests, and can lie about a tarball's integrity.
/// </summary>
public sealed class LocalNpmRegistry : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Dictionary<string, SortedDictionary<string, (JsonObject Manifest, byte[] Tarball)>> _packages = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _latest = new(StringComparer.Ordinal);
    private readonly HashSet<string> _corrupt = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, int> Hits { get; } = new(StringComparer.Ordinal);
    public string Url { get; }

    private LocalNpmRegistry(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public static async Task<LocalNpmRegistry> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        LocalNpmRegistry? self = null;
        app.Run(ctx => self!.HandleAsync(ctx));
        await app.StartAsync();
        self = new LocalNpmRegistry(app, app.Urls.First());
        return self;
    }

    /// <summary>Adds <paramref name="name"/>@<paramref name="version"/> with its files; the last added version is <c>latest</c> unless <paramref name="latest"/> is false.</summary>
    public void Add(string name, string version, Dictionary<string, string> files, Dictionary<string, string>? dependencies = null,
        Dictionary<string, string>? peerDependencies = null, string? type = "module", bool latest = true, string? main = null, string? exports = null)
    {
        var manifest = new JsonObject { ["name"] = name, ["version"] = version };
        if (type is not null) manifest["type"] = type;
        if (main is not null) manifest["main"] = main;
        if (exports is not null) manifest["exports"] = JsonNode.Parse(exports);
        if (dependencies is not null) manifest["dependencies"] = JsonSerializer.SerializeToNode(dependencies);
        if (peerDependencies is not null) manifest["peerDependencies"] = JsonSerializer.SerializeToNode(peerDependencies);
        using var ms = new MemoryStream();
        using (var gzip = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            void Entry(string path, string content)
            {
                var entry = new PaxTarEntry(TarEntryType.RegularFile, "package/" + path) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)) };
                tar.WriteEntry(entry);
            }
            Entry("package.json", manifest.ToJsonString());
            foreach (var (path, content) in files) Entry(path, content);
        }
        if (!_packages.TryGetValue(name, out var versions)) _packages[name] = versions = new(StringComparer.Ordinal);
        versions[version] = (manifest, ms.ToArray());
        if (latest) _latest[name] = version;
    }

    /// <summary>The packument will announce a wrong sha512 for this package's tarballs.</summary>
    public void Corrupt(string name) => _corrupt.Add(name);

    public int TarballHits(string name) => Hits.Where(h => h.Key.StartsWith("/-/" + name.Replace("/", "%2f", StringComparison.Ordinal) + "/", StringComparison.Ordinal)).Sum(h => h.Value);

    private async Task HandleAsync(HttpContext ctx)
    {
        var raw = ctx.Request.Path.Value ?? "/";
        Hits.AddOrUpdate(raw, 1, (_, n) => n + 1);
        if (raw.StartsWith("/-/", StringComparison.Ordinal))
        {
            // /-/<escaped name>/<version>.tgz
            var parts = raw[3..].Split('/');
            var name = Uri.UnescapeDataString(parts[0]);
            var version = parts[1][..^4];
            if (_packages.TryGetValue(name, out var vs) && vs.TryGetValue(version, out var p))
            {
                ctx.Response.ContentType = "application/octet-stream";
                await ctx.Response.Body.WriteAsync(p.Tarball);
                return;
            }
            ctx.Response.StatusCode = 404;
            return;
        }
        var packageName = Uri.UnescapeDataString(raw[1..]);
        if (!_packages.TryGetValue(packageName, out var versions))
        {
            ctx.Response.StatusCode = 404;
            await ctx.Response.WriteAsJsonAsync(new { error = "Not found" });
            return;
        }
        var doc = new JsonObject { ["name"] = packageName, ["dist-tags"] = new JsonObject { ["latest"] = _latest.GetValueOrDefault(packageName, versions.Keys.Last()) } };
        var all = new JsonObject();
        foreach (var (version, (manifest, tarball)) in versions)
        {
            var v = (JsonObject)manifest.DeepClone();
            var hash = SHA512.HashData(_corrupt.Contains(packageName) ? [.. tarball, 0] : tarball);
            v["dist"] = new JsonObject
            {
                ["tarball"] = $"{Url}/-/{packageName.Replace("/", "%2f", StringComparison.Ordinal)}/{version}.tgz",
                ["integrity"] = "sha512-" + Convert.ToBase64String(hash),
            };
            all[version] = v;
        }
        doc["versions"] = all;
        ctx.Response.ContentType = "application/vnd.npm.install-v1+json";
        await ctx.Response.WriteAsync(doc.ToJsonString());
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
