using System.Text.Json;
using System.Text.RegularExpressions;

namespace Supacs.Functions.Loading;

/// <summary>
/// Maps remote-looking specifiers (<c>npm:pkg@ver/sub</c>, <c>https://esm.sh/pkg@ver/sub?target=deno</c>,
/// <c>jsr:@scope/pkg</c>) and bare ones (<c>pkg/sub</c>) to packages already installed from the npm registry:
/// Node's lookup of <c>node_modules</c> folders from the importing file upwards (which finds a Lovable app's own
/// <c>node_modules</c>), then the package cache in the data dir. Versions in specifiers are ignored: the installed
/// version is used. Nothing is fetched.
/// </summary>
internal static partial class PackageResolver
{
    // The conditions matched in package.json "exports" (first listed by the package wins). Not "deno": packages
    // use it for builds that lean on Deno's Node compatibility layer (react-dom/server → async_hooks), which this
    // runtime does not have; the worker/browser builds need only Web APIs.
    private static readonly HashSet<string> Conditions = ["worker", "browser", "import", "module", "default"];
    private static readonly HashSet<string> RequireConditions = ["worker", "browser", "require", "default"];
    private static readonly string[] Probes = ["", ".js", ".mjs", ".ts", ".cjs", "/index.js", "/index.mjs", "/index.ts"];

    [GeneratedRegex(@"^https?://(?:esm\.sh|cdn\.esm\.sh)/(?:v\d+/|stable/)?(?<spec>[^?#]+)")]
    private static partial Regex EsmSh();

    [GeneratedRegex(@"^https?://(?:cdn\.skypack\.dev|cdn\.jsdelivr\.net/npm|unpkg\.com)/(?<spec>[^?#]+)")]
    private static partial Regex OtherCdn();

    /// <summary>Package name and subpath (without version) when the specifier names an npm package.</summary>
    public static bool TryParse(string specifier, out string name, out string subpath)
    {
        name = subpath = "";
        string rest;
        if (specifier.StartsWith("npm:", StringComparison.Ordinal)) rest = specifier[4..].TrimStart('/');
        else if (specifier.StartsWith("jsr:", StringComparison.Ordinal)) rest = specifier[4..].TrimStart('/');
        else if (EsmSh().Match(specifier) is { Success: true } m) rest = m.Groups["spec"].Value;
        else if (OtherCdn().Match(specifier) is { Success: true } c) rest = c.Groups["spec"].Value;
        else if (IsBare(specifier)) rest = specifier;
        else return false;

        var parts = rest.Split('/');
        var count = parts[0].StartsWith('@') ? 2 : 1;
        if (parts.Length < count) return false;
        var nameParts = parts[..count];
        var last = nameParts[^1];
        var at = last.IndexOf('@', StringComparison.Ordinal);
        if (at > 0) nameParts[^1] = last[..at];
        name = string.Join('/', nameParts);
        subpath = string.Join('/', parts[count..]);
        // esm.sh build paths such as /es2022/x.mjs or x.js?target= are not package subpaths.
        if (subpath.StartsWith("es20", StringComparison.Ordinal) || subpath.StartsWith("denonext", StringComparison.Ordinal)) subpath = "";
        return name.Length > 0;
    }

    private static bool IsBare(string s) =>
        s.Length > 0 && !s.StartsWith('.') && !s.StartsWith('/') && !s.Contains(':', StringComparison.Ordinal);

    /// <summary>The file to load for <paramref name="name"/>/<paramref name="subpath"/> seen from <paramref name="fromDir"/>, or null.</summary>
    public static string? Resolve(string name, string subpath, string fromDir, IEnumerable<string> extraRoots, bool require = false)
    {
        foreach (var dir in PackageDirs(name, fromDir, extraRoots))
        {
            var file = EntryOf(dir, subpath, require);
            if (file is not null) return file;
        }
        return null;
    }

    private static IEnumerable<string> PackageDirs(string name, string fromDir, IEnumerable<string> extraRoots)
    {
        for (var dir = fromDir; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (Path.GetFileName(dir) == "node_modules") continue;
            var candidate = Path.Combine(dir, "node_modules", name);
            if (Directory.Exists(candidate)) yield return candidate;
        }
        foreach (var root in extraRoots)
        {
            var candidate = Path.Combine(root, name);
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
