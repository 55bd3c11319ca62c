using Tomlyn;
using Tomlyn.Model;

namespace Supacs.Core.Config;

/// <summary>
/// A project's <c>supabase/config.toml</c> in the Supabase CLI's format. Modules read their own
/// sections (<c>[api]</c>, <c>[auth]</c>, …) through <see cref="Section"/>; unknown keys are ignored.
/// </summary>
public sealed class ProjectConfig
{
    public static readonly ProjectConfig Empty = new(new TomlTable(), null);

    private ProjectConfig(TomlTable root, string? path)
    {
        Root = new ConfigSection(root, "");
        SourcePath = path;
    }

    public ConfigSection Root { get; }
    public string? SourcePath { get; }

    /// <summary>A dotted section such as <c>auth</c> or <c>auth.email</c>; empty when absent.</summary>
    public ConfigSection Section(string dottedName) => Root.Section(dottedName);

    public static ProjectConfig Parse(string toml, string? path = null)
    {
        try
        {
            var table = TomlSerializer.Deserialize<TomlTable>(toml) ?? new TomlTable();
            return new ProjectConfig(table, path);
        }
        catch (TomlException e)
        {
            throw new ConfigException($"{path ?? "config.toml"}:{e.Line}: malformed TOML: {FirstLine(e.Message)}", e);
        }
    }

    /// <summary>Loads <c>DIR/supabase/config.toml</c>; a missing file gives an empty config.</summary>
    public static ProjectConfig Load(string? projectDir)
    {
        if (projectDir is null) return Empty;
        var path = Path.Combine(projectDir, "supabase", "config.toml");
        return File.Exists(path) ? Parse(File.ReadAllText(path), path) : Empty;
    }

    private static string FirstLine(string s)
    {
        var i = s.IndexOf('\n', StringComparison.Ordinal);
        return i < 0 ? s : s[..i].TrimEnd('\r');
    }
}

public sealed class ConfigException(string message, Exception? inner = null) : Exception(message, inner);
