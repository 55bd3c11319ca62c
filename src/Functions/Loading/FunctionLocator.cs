using System.Text.RegularExpressions;
using Supacs.Core.Config;

namespace Supacs.Functions.Loading;

/// <summary>How one function is configured: <c>[functions.NAME]</c> in config.toml.</summary>
internal sealed record FunctionSettings(bool VerifyJwt, string? Entrypoint, string? ImportMap, bool Enabled)
{
    public static FunctionSettings For(ProjectConfig config, string name)
    {
        var s = config.Section("functions").Section(name);
        return new FunctionSettings(s.GetBool("verify_jwt") ?? true, s.GetString("entrypoint"), s.GetString("import_map"), s.GetBool("enabled") ?? true);
    }
}

/// <summary>
/// Finds functions in a Supabase CLI project: <c>supabase/functions/NAME/index.{ts,js,tsx,jsx,mjs}</c> or the
/// configured <c>entrypoint</c> (relative to <c>supabase/</c>, as the CLI reads it). Folders starting with
/// <c>_</c> or <c>.</c> (like <c>_shared</c>) are not functions.
/// </summary>
internal static partial class FunctionLocator
{
    private static readonly string[] EntryNames = ["index.ts", "index.js", "index.tsx", "index.jsx", "index.mjs", "index.mts"];

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]*$")]
    private static partial Regex NamePattern();

    public static bool IsValidName(string name) => name.Length <= 128 && NamePattern().IsMatch(name);

    public static string? FunctionsRoot(string? projectDir) =>
        projectDir is null ? null : Path.Combine(projectDir, "supabase", "functions");

    /// <summary>The entry file's full path, or null when the function does not exist.</summary>
    public static string? FindEntry(string? projectDir, string name, FunctionSettings settings)
    {
        if (projectDir is null || !IsValidName(name)) return null;
        var supabaseDir = Path.Combine(projectDir, "supabase");
        if (settings.Entrypoint is { Length: > 0 } entry)
        {
            var path = Path.GetFullPath(Path.Combine(supabaseDir, entry.StartsWith("file://", StringComparison.Ordinal) ? new Uri(entry).LocalPath : entry));
            return File.Exists(path) ? path : null;
        }
        var dir = Path.Combine(supabaseDir, "functions", name);
        foreach (var candidate in EntryNames)
        {
            var path = Path.Combine(dir, candidate);
            if (File.Exists(path)) return path;
        }
        return null;
    }
}
