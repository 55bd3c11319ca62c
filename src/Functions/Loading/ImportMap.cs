using System.Text.Json;

namespace Supacs.Functions.Loading;

/// <summary>
/// A function's import map: <c>imports</c> (and <c>scopes</c>) of its <c>deno.json</c>/<c>deno.jsonc</c> or
/// <c>import_map.json</c>, the <c>import_map</c> set in config.toml, or the legacy <c>supabase/functions/import_map.json</c>
/// (first found wins). Exact keys first, then the longest key ending in <c>/</c> as a prefix; relative targets and scope
/// keys are relative to the file. A scope applies to modules whose URL starts with its key (longest scope first), then
/// the top-level imports, as in the import maps standard.
/// </summary>
internal sealed class ImportMap
{
    private static readonly JsonDocumentOptions Lenient = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    private sealed class Mapping
    {
        public Dictionary<string, string> Exact { get; } = new(StringComparer.Ordinal);
        public List<(string Prefix, string Target)> Prefixes { get; } = [];

        public string? Apply(string specifier)
        {
            if (Exact.TryGetValue(specifier, out var exact)) return exact;
            foreach (var (prefix, target) in Prefixes)
                if (specifier.StartsWith(prefix, StringComparison.Ordinal)) return target + specifier[prefix.Length..];
            return null;
        }
    }

    private readonly Mapping _imports = new();
    private readonly List<(string Scope, Mapping Map)> _scopes = [];

    private ImportMap(string path) => Path = path;

    public string Path { get; }

    public static ImportMap? Find(string entry, string? projectDir, FunctionSettings settings)
    {
        var dir = System.IO.Path.GetDirectoryName(entry)!;
        var candidates = new List<string>
        {
            System.IO.Path.Combine(dir, "deno.json"),
            System.IO.Path.Combine(dir, "deno.jsonc"),
            System.IO.Path.Combine(dir, "import_map.json"),
        };
        if (projectDir is not null)
        {
            var supabase = System.IO.Path.Combine(projectDir, "supabase");
            if (settings.ImportMap is { Length: > 0 } configured) candidates.Add(System.IO.Path.GetFullPath(System.IO.Path.Combine(supabase, configured)));
            candidates.Add(System.IO.Path.Combine(supabase, "functions", "import_map.json"));
            candidates.Add(System.IO.Path.Combine(supabase, "functions", "deno.json"));
        }
        foreach (var file in candidates)
            if (File.Exists(file) && Load(file) is { } map) return map;
        return null;
    }

    private static ImportMap? Load(string file, int depth = 0)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(file), Lenient);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object) return null;
        root.TryGetProperty("imports", out var imports);
        root.TryGetProperty("scopes", out var scopes);
        // deno.json may point at a separate import map.
        if (imports.ValueKind != JsonValueKind.Object && scopes.ValueKind != JsonValueKind.Object
            && root.TryGetProperty("importMap", out var other) && other.ValueKind == JsonValueKind.String && depth == 0)
        {
            var target = System.IO.Path.GetFullPath(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(file)!, other.GetString()!));
            return File.Exists(target) ? Load(target, 1) : null;
        }
        if (imports.ValueKind != JsonValueKind.Object && scopes.ValueKind != JsonValueKind.Object) return null;
        var map = new ImportMap(file);
        var baseDir = System.IO.Path.GetDirectoryName(file)!;
        if (imports.ValueKind == JsonValueKind.Object) Fill(map._imports, imports, baseDir);
        if (scopes.ValueKind == JsonValueKind.Object)
            foreach (var scope in scopes.EnumerateObject())
            {
                if (scope.Value.ValueKind != JsonValueKind.Object) continue;
                var mapping = new Mapping();
                Fill(mapping, scope.Value, baseDir);
                map._scopes.Add((Absolute(scope.Name, baseDir), mapping));
            }
        map._scopes.Sort((a, b) => b.Scope.Length.CompareTo(a.Scope.Length));
        return map;
    }

    private static string Absolute(string target, string baseDir)
    {
        if (!target.StartsWith("./", StringComparison.Ordinal) && !target.StartsWith("../", StringComparison.Ordinal) && target != "." && target != "..") return target;
        var full = System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDir, target));
        return new Uri(full).AbsoluteUri + ((target.EndsWith('/') || target is "." or "..") && !full.EndsWith('/') ? "/" : "");
    }

    private static void Fill(Mapping mapping, JsonElement imports, string baseDir)
    {
        foreach (var p in imports.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String) continue;
            var target = Absolute(p.Value.GetString()!, baseDir);
            if (p.Name.EndsWith('/')) mapping.Prefixes.Add((p.Name, target));
            else mapping.Exact[p.Name] = target;
        }
        mapping.Prefixes.Sort((a, b) => b.Prefix.Length.CompareTo(a.Prefix.Length));
    }

    /// <summary>The mapped specifier for an import made by <paramref name="referencing"/> (a module URL, or null for the entry).</summary>
    public string Apply(string specifier, string? referencing = null)
    {
        if (referencing is not null)
            foreach (var (scope, mapping) in _scopes)
                if (referencing.StartsWith(scope, StringComparison.Ordinal) && mapping.Apply(specifier) is { } scoped) return scoped;
        return _imports.Apply(specifier) ?? specifier;
    }
}
