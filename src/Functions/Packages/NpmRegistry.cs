using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;

namespace Supacs.Functions.Packages;

/// <summary>Where packages come from: the npm registry, and JSR's npm compatibility registry for the <c>@jsr</c> scope.</summary>
public sealed record NpmRegistries(string Npm, string Jsr)
{
    public const string DefaultNpm = "https://registry.npmjs.org";
    public const string DefaultJsr = "https://npm.jsr.io";

    /// <summary>config.toml <c>[edge_runtime] npm_registry</c> / <c>jsr_registry</c>, else NPM_CONFIG_REGISTRY (as npm reads it), else the public registries.</summary>
    public static NpmRegistries From(string? configuredNpm, string? configuredJsr)
    {
        var npm = configuredNpm is { Length: > 0 } c ? c
            : Environment.GetEnvironmentVariable("NPM_CONFIG_REGISTRY") is { Length: > 0 } e ? e
            : Environment.GetEnvironmentVariable("npm_config_registry") is { Length: > 0 } l ? l
            : DefaultNpm;
        return new NpmRegistries(npm.TrimEnd('/'), (configuredJsr is { Length: > 0 } j ? j : DefaultJsr).TrimEnd('/'));
    }

    public string For(string registryName) =>
        registryName.StartsWith("@jsr/", StringComparison.Ordinal) ? Jsr : Npm;
}

/// <summary>Why a package could not be installed (the message names the package and the registry).</summary>
public class PackageInstallException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The registry did not answer at all (network error or timeout).</summary>
public sealed class RegistryUnreachableException(string message, Exception inner) : PackageInstallException(message, inner);

/// <summary>A registry client: packuments (abbreviated metadata) and tarballs, verified against their integrity.</summary>
internal sealed class NpmRegistry(NpmRegistries registries, HttpClient http)
{
    private const long MaxTarballBytes = 256L * 1024 * 1024;

    public NpmRegistries Registries { get; } = registries;

    /// <summary>The package's metadata document (versions, dist-tags).</summary>
    public JsonElement Packument(string name)
    {
        var registry = Registries.For(name);
        var url = registry + "/" + name.Replace("/", "%2f", StringComparison.Ordinal);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.ParseAdd("application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*");
        using var response = Send(request, name, registry);
        if (response.StatusCode == HttpStatusCode.NotFound)
            throw new PackageInstallException($"package {name} was not found in the registry {registry} (HTTP 404)");
        if (!response.IsSuccessStatusCode)
            throw new PackageInstallException($"the registry {registry} answered HTTP {(int)response.StatusCode} for package {name}");
        using var stream = response.Content.ReadAsStream();
        using var doc = JsonDocument.Parse(stream);
        return doc.RootElement.Clone();
    }

    /// <summary>The tarball of one version, checked against <c>dist.integrity</c> (or the older <c>dist.shasum</c>).</summary>
    public byte[] Tarball(string name, string version, JsonElement dist)
    {
        if (!dist.TryGetProperty("tarball", out var t) || t.GetString() is not { Length: > 0 } url)
            throw new PackageInstallException($"{name}@{version} has no tarball in the registry metadata");
        var registry = Registries.For(name);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        using var response = Send(request, name, registry);
        if (!response.IsSuccessStatusCode)
            throw new PackageInstallException($"downloading {url} for {name}@{version} answered HTTP {(int)response.StatusCode}");
        using var ms = new MemoryStream();
        using (var body = response.Content.ReadAsStream())
        {
            var buffer = new byte[81920];
            int n;
            while ((n = body.Read(buffer)) > 0)
            {
                if (ms.Length + n > MaxTarballBytes) throw new PackageInstallException($"the tarball of {name}@{version} is larger than {MaxTarballBytes >> 20} MB");
                ms.Write(buffer, 0, n);
            }
        }
        var bytes = ms.ToArray();
        Verify(name, version, dist, bytes);
        return bytes;
    }

    private HttpResponseMessage Send(HttpRequestMessage request, string name, string registry)
    {
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("supacs", "1.0"));
        try
        {
            return http.Send(request, HttpCompletionOption.ResponseHeadersRead);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            throw new RegistryUnreachableException($"could not reach the registry {registry} for package {name}: {e.Message}", e);
        }
    }

#pragma warning disable CA5350 // SHA-1 only for old packages whose registry metadata has nothing stronger (npm does the same).
    /// <summary>Subresource-integrity check: the strongest listed hash we know must match (sha512 &gt; sha384 &gt; sha256 &gt; sha1).</summary>
    internal static void Verify(string name, string version, JsonElement dist, byte[] bytes)
    {
        if (dist.TryGetProperty("integrity", out var integrity) && integrity.GetString() is { Length: > 0 } sri)
        {
            var hashes = sri.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(h => h.Split('-', 2))
                .Where(p => p.Length == 2)
                .Select(p => (Algorithm: p[0], Expected: p[1].Split('?')[0]))
                .ToList();
            foreach (var algorithm in new[] { "sha512", "sha384", "sha256", "sha1" })
            {
                var candidates = hashes.Where(h => h.Algorithm == algorithm).ToList();
                if (candidates.Count == 0) continue;
                var actual = Convert.ToBase64String(algorithm switch
                {
                    "sha512" => SHA512.HashData(bytes),
                    "sha384" => SHA384.HashData(bytes),
                    "sha256" => SHA256.HashData(bytes),
                    _ => SHA1.HashData(bytes),
                });
                if (candidates.Any(c => c.Expected == actual)) return;
                throw new PackageInstallException($"integrity check failed for {name}@{version}: {algorithm} of the downloaded tarball is {actual}, the registry says {candidates[0].Expected}");
            }
        }
        if (dist.TryGetProperty("shasum", out var shasum) && shasum.GetString() is { Length: > 0 } hex)
        {
            var actual = Convert.ToHexStringLower(SHA1.HashData(bytes));
            if (string.Equals(actual, hex, StringComparison.OrdinalIgnoreCase)) return;
            throw new PackageInstallException($"integrity check failed for {name}@{version}: sha1 of the downloaded tarball is {actual}, the registry says {hex}");
        }
        throw new PackageInstallException($"{name}@{version} has neither dist.integrity nor dist.shasum; refusing an unverifiable tarball");
    }
#pragma warning restore CA5350
}
