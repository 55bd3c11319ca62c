using System.Text.Json;

namespace Supacs.Functions.Loading;

/// <summary>
/// A function's import map: <c>imports</c> of its <c>deno.json</c>/<c>deno.jsonc</c> or <c>import_map.json</c>, the
/// <c>import_map</c> set in config.toml, or the legacy <c>supabase/functions/import_map.json</c> (first found wins).
/// Exact keys first, then the longest key ending in <c>/</c> as a prefix; relative targets are relative to the file.
/// </summary>
internal sealed class ImportMap
{
    private static readonly JsonDocumentOptions Lenient = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    private readonly Dictionary<string, string> _exact = new(StringComparer.Ordinal);
    private readonly List<(string Prefix, string Target)> _prefixes = [];

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
        // deno.json may point at a separate import map.
        if (!root.TryGetProperty("imports", out var imports) && root.TryGetProperty("importMap", out var other)
            && other.ValueKind == JsonValueKind.String && depth == 0)
        {
            var target = System.IO.Path.GetFullPath(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(file)!, other.GetString()!));
            return File.Exists(target) ? Load(target, 1) : null;
        }
        if (imports.ValueKind != JsonValueKind.Object) return null;
        var map = new ImportMap(file);
        var baseDir = System.IO.Path.GetDirectoryName(file)!;
        foreach (var p in imports.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String) continue;
            var target = p.Value.GetString()!;
            if (target.StartsWith("./", StringComparison.Ordinal) || target.StartsWith("../", StringComparison.Ordinal))
            {
                var full = System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDir, target));
                target = new Uri(full).AbsoluteUri + (target.EndsWith('/') && !full.EndsWith('/') ? "/" : "");
            }
            if (p.Name.EndsWith('/')) map._prefixes.Add((p.Name, target));
            else map._exact[p.Name] = target;
        }
        map._prefixes.Sort((a, b) => b.Prefix.Length.CompareTo(a.Prefix.Length));
        return map;
    }

    public string Apply(string specifier)
    {
        if (_exact.TryGetValue(specifier, out var exact)) return exact;
        foreach (var (prefix, target) in _prefixes)
            if (specifier.StartsWith(prefix, StringComparison.Ordinal)) return target + specifier[prefix.Length..];
        return specifier;
    }
}
