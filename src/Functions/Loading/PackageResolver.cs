using System.Text.Json;
using Supacs.Functions.Packages;

namespace Supacs.Functions.Loading;

/// <summary>
/// Maps package imports (<see cref="PackageRequest"/>: <c>npm:</c>, esm.sh, <c>jsr:</c>, deno.land/x, bare) to the
/// file to load: Node's lookup of <c>node_modules</c> folders from the importing file upwards (which finds a Lovable
/// app's own <c>node_modules</c>) when the version there is in range, then the versioned package store in the data
/// dir (<see cref="PackageStore"/>). Nothing is fetched here; the loader asks the store to install what is missing.
/// </summary>
internal static class PackageResolver
{
    // The conditions matched in package.json "exports" (first listed by the package wins). Not "deno": packages
    // use it for builds that lean on Deno's Node compatibility layer (react-dom/server → async_hooks), which this
    // runtime does not have; the worker/browser builds need only Web APIs.
    private static readonly HashSet<string> Conditions = ["worker", "browser", "import", "module", "default"];
    private static readonly HashSet<string> RequireConditions = ["worker", "browser", "require", "default"];
    private static readonly string[] Probes = ["", ".js", ".mjs", ".ts", ".cjs", "/index.js", "/index.mjs", "/index.ts"];

    /// <summary>Outcome of resolving a package import: the file, or whether the package itself (not a file in it) is missing.</summary>
    public readonly record struct Resolution(string? File, bool PackageFound);

    /// <summary>
    /// The file to load for <paramref name="request"/> seen from <paramref name="fromDir"/>: inside an installed package,
    /// its declared dependency from the store; else Node's lookup of <c>node_modules</c> folders upwards (a package there
    /// is used when its version is in the requested range), then the highest installed version in range from the store.
    /// </summary>
    public static Resolution Resolve(PackageRequest request, string fromDir, PackageStore? store, bool require = false)
    {
        if (store?.Owner(fromDir + Path.DirectorySeparatorChar + "x") is { } owner)
        {
            if (owner.Name == request.RegistryName || owner.Name == request.Name)
                return new Resolution(EntryOf(owner.Dir, request.Subpath, require), true);
            var (registryName, range) = store.Declared(owner.Dir, request.Name);
            if (store.Installed(registryName, range) is { } dep)
                return new Resolution(EntryOf(store.PackageDir(registryName, dep), request.Subpath, require), true);
            return new Resolution(null, false);
        }
        var parsedRange = request.Range.Length > 0 ? SemRange.TryParse(request.Range) : null;
        foreach (var dir in NodeModulesDirs(request.Name, fromDir))
        {
            if (parsedRange is not null && VersionOf(dir) is { } v && !parsedRange.IsSatisfiedBy(v)) continue;
            return new Resolution(EntryOf(dir, request.Subpath, require), true);
        }
        if (store?.Installed(request.RegistryName, request.Range) is { } installed)
            return new Resolution(EntryOf(store.PackageDir(request.RegistryName, installed), request.Subpath, require), true);
        return new Resolution(null, false);
    }

    private static SemVersion? VersionOf(string packageDir)
    {
        var file = Path.Combine(packageDir, "package.json");
        if (!File.Exists(file)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            return doc.RootElement.TryGetProperty("version", out var v) && v.GetString() is { } s ? SemVersion.TryParse(s) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static IEnumerable<string> NodeModulesDirs(string name, string fromDir)
    {
        for (var dir = fromDir; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (Path.GetFileName(dir) == "node_modules") continue;
            var candidate = Path.Combine(dir, "node_modules", name);
            if (Directory.Exists(candidate)) yield return candidate;
        }
    }

    private static string? EntryOf(string packageDir, string subpath, bool require = false)
    {
        var pkgPath = Path.Combine(packageDir, "package.json");
        JsonElement pkg = default;
        if (File.Exists(pkgPath))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(pkgPath));
            pkg = doc.RootElement.Clone();
        }
        var key = subpath.Length == 0 ? "." : "./" + subpath;
        if (pkg.ValueKind == JsonValueKind.Object && pkg.TryGetProperty("exports", out var exports) && exports.ValueKind != JsonValueKind.Null)
        {
            var target = ResolveExports(exports, key, require ? RequireConditions : Conditions);
            if (target is not null) return Probe(Path.GetFullPath(Path.Combine(packageDir, target)));
        }
        if (subpath.Length > 0) return Probe(Path.Combine(packageDir, subpath));
        foreach (var field in require ? new[] { "main" } : new[] { "module", "main" })
            if (pkg.ValueKind == JsonValueKind.Object && pkg.TryGetProperty(field, out var f) && f.ValueKind == JsonValueKind.String
                && Probe(Path.GetFullPath(Path.Combine(packageDir, f.GetString()!))) is { } file)
                return file;
        return Probe(Path.Combine(packageDir, "index"));
    }

    private static string? ResolveExports(JsonElement exports, string key, HashSet<string> conditions)
    {
        if (exports.ValueKind == JsonValueKind.String || exports.ValueKind == JsonValueKind.Array)
            return key == "." ? Target(exports, null, conditions) : null;
        if (exports.ValueKind != JsonValueKind.Object) return null;
        var isPathMap = exports.EnumerateObject().Any(p => p.Name.StartsWith('.'));
        if (!isPathMap) return key == "." ? Target(exports, null, conditions) : null;
        if (exports.TryGetProperty(key, out var exact)) return Target(exact, null, conditions);
        foreach (var p in exports.EnumerateObject())
        {
            var star = p.Name.IndexOf('*', StringComparison.Ordinal);
            if (star < 0) continue;
            var prefix = p.Name[..star];
            var suffix = p.Name[(star + 1)..];
            if (key.StartsWith(prefix, StringComparison.Ordinal) && key.EndsWith(suffix, StringComparison.Ordinal) && key.Length >= prefix.Length + suffix.Length)
                return Target(p.Value, key[prefix.Length..(key.Length - suffix.Length)], conditions);
        }
        return null;
    }

    private static string? Target(JsonElement target, string? star, HashSet<string> conditions)
    {
        switch (target.ValueKind)
        {
            case JsonValueKind.String:
                var s = target.GetString()!;
                return star is null ? s : s.Replace("*", star, StringComparison.Ordinal);
            case JsonValueKind.Array:
                foreach (var t in target.EnumerateArray())
                    if (Target(t, star, conditions) is { } r) return r;
                return null;
            case JsonValueKind.Object:
                foreach (var p in target.EnumerateObject())
                    if (conditions.Contains(p.Name) && Target(p.Value, star, conditions) is { } r) return r;
                return null;
            default:
                return null;
        }
    }

    /// <summary>Node-style probing: the path itself, then with extensions, then as a folder.</summary>
    public static string? Probe(string path)
    {
        foreach (var p in Probes)
        {
            var candidate = path + p;
            if (File.Exists(candidate)) return Path.GetFullPath(candidate);
        }
        if (Directory.Exists(path) && File.Exists(Path.Combine(path, "package.json")))
            return EntryOf(path, "");
        return null;
    }
}
