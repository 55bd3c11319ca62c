using System.Globalization;
using Tomlyn.Model;

namespace Supacs.Core.Config;

/// <summary>
/// Typed, forgiving access to one TOML table. Strings of the form <c>env(NAME)</c> are replaced by that
/// environment variable, as the Supabase CLI does. To add a setting: read it here from the module's
/// options binder (one place per module) and document its default on the options class.
/// </summary>
public sealed class ConfigSection(TomlTable table, string path)
{
    public string Path { get; } = path;
    public bool Exists => table.Count > 0;
    public IEnumerable<string> Keys => table.Keys;

    public ConfigSection Section(string dottedName)
    {
        var current = table;
        var currentPath = Path;
        foreach (var part in dottedName.Split('.'))
        {
            currentPath = currentPath.Length == 0 ? part : currentPath + "." + part;
            if (current.TryGetValue(part, out var next) && next is TomlTable t) current = t;
            else return new ConfigSection(new TomlTable(), currentPath);
        }
        return new ConfigSection(current, currentPath);
    }

    /// <summary>Child tables, e.g. each <c>[auth.external.NAME]</c> under <c>auth.external</c>.</summary>
    public IEnumerable<(string Name, ConfigSection Section)> Children()
    {
        foreach (var (key, value) in table)
            if (value is TomlTable t) yield return (key, new ConfigSection(t, Path.Length == 0 ? key : Path + "." + key));
    }

    public string? GetString(string key) =>
        table.TryGetValue(key, out var v) ? ExpandEnv(Convert.ToString(v, CultureInfo.InvariantCulture)) : null;

    public bool? GetBool(string key)
    {
        if (!table.TryGetValue(key, out var v)) return null;
        return v switch
        {
            bool b => b,
            string s when bool.TryParse(ExpandEnv(s), out var b) => b,
            _ => null,
        };
    }

    public long? GetLong(string key)
    {
        if (!table.TryGetValue(key, out var v)) return null;
        return v switch
        {
            long l => l,
            int i => i,
            double d => (long)d,
            string s when long.TryParse(ExpandEnv(s), CultureInfo.InvariantCulture, out var l) => l,
            _ => null,
        };
    }

    public IReadOnlyList<string> GetStringArray(string key)
    {
        if (!table.TryGetValue(key, out var v)) return [];
        if (v is TomlArray a) return a.Select(x => ExpandEnv(Convert.ToString(x, CultureInfo.InvariantCulture)) ?? "").ToList();
        var single = ExpandEnv(Convert.ToString(v, CultureInfo.InvariantCulture));
        return single is null ? [] : [single];
    }

    /// <summary>The raw value, for settings with a shape of their own.</summary>
    public object? GetRaw(string key) => table.TryGetValue(key, out var v) ? v : null;

    private static string? ExpandEnv(string? value)
    {
        if (value is null || !value.StartsWith("env(", StringComparison.Ordinal) || !value.EndsWith(')')) return value;
        return Environment.GetEnvironmentVariable(value[4..^1]) ?? "";
    }
}
