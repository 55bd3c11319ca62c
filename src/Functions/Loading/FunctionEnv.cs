using Supacs.Core.Projects;

namespace Supacs.Functions.Loading;

/// <summary>
/// What <c>Deno.env</c> holds, as the Supabase CLI's edge runtime builds it — never the Supacs process's whole
/// environment: SUPABASE_* variables of the process, then <c>[edge_runtime.secrets]</c> from config.toml (values or
/// <c>env(NAME)</c>; a name the environment lacks is left out), then the env file (<c>supabase/functions/.env</c>, or
/// <c>[edge_runtime] env_file</c> relative to the project folder, like <c>functions serve --env-file</c>), then the
/// platform's own SUPABASE_URL/ANON_KEY/SERVICE_ROLE_KEY/DB_URL (which always win, as on the hosted platform).
/// The env file is re-read when it changes (<see cref="Current"/>).
/// </summary>
internal sealed class FunctionEnv(SupacsProject project)
{
    private readonly Lock _gate = new();
    private Dictionary<string, string>? _current;
    private LoadedFile _file;

    /// <summary>The env file watched for edits (it may not exist).</summary>
    public string? EnvFile { get; } = EnvFilePath(project);

    private static string? EnvFilePath(SupacsProject project)
    {
        if (project.ProjectDir is null) return null;
        if (project.Config.Section("edge_runtime").GetString("env_file") is { Length: > 0 } configured)
            return Path.GetFullPath(Path.Combine(project.ProjectDir, configured));
        return FunctionLocator.FunctionsRoot(project.ProjectDir) is { } root ? Path.Combine(root, ".env") : null;
    }

    /// <summary>The variables for a worker booted now (rebuilt when the env file changed since the last call).</summary>
    public IReadOnlyDictionary<string, string> Current()
    {
        lock (_gate)
        {
            if (_current is null || (EnvFile is not null && _file.Changed))
            {
                _file = EnvFile is null ? default : LoadedFile.Of(EnvFile);
                _current = Build(project, EnvFile);
            }
            return _current;
        }
    }

    private static Dictionary<string, string> Build(SupacsProject project, string? envFile)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
            if (e.Key is string k && e.Value is string v && k.StartsWith("SUPABASE_", StringComparison.Ordinal)) env[k] = v;
        var secrets = project.Config.Section("edge_runtime").Section("secrets");
        foreach (var key in secrets.Keys)
        {
            var raw = secrets.GetRaw(key) as string;
            if (raw is not null && raw.StartsWith("env(", StringComparison.Ordinal) && raw.EndsWith(')')
                && Environment.GetEnvironmentVariable(raw[4..^1]) is null) continue;
            if (secrets.GetString(key) is { } value) env[key] = value;
        }
        if (envFile is not null && File.Exists(envFile))
            foreach (var (k, v) in ParseDotEnv(File.ReadAllText(envFile))) env[k] = v;
        env["SUPABASE_URL"] = project.Options.PublicUrl;
        env["SUPABASE_ANON_KEY"] = project.Keys.AnonKey;
        env["SUPABASE_SERVICE_ROLE_KEY"] = project.Keys.ServiceRoleKey;
        if (DbUrl(project) is { } db) env["SUPABASE_DB_URL"] = db;
        return env;
    }

    private static string? DbUrl(SupacsProject project)
    {
        if (project.Options.DbUrl is { Length: > 0 } url) return url;
        if (!project.IsReady) return null;
        var db = project.Database;
        if (db.Cluster is { } cluster) return cluster.Url(new Npgsql.NpgsqlConnectionStringBuilder(db.AdminConnectionString).Database ?? "postgres");
        return db.DisplayUrl;
    }

    /// <summary>KEY=VALUE lines; # comments, optional <c>export</c>, single/double quotes (double quotes expand \n).</summary>
    public static IEnumerable<(string Key, string Value)> ParseDotEnv(string text)
    {
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            if (line.StartsWith("export ", StringComparison.Ordinal)) line = line[7..].TrimStart();
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) continue;
            var key = line[..eq].Trim();
            var value = line[(eq + 1)..].Trim();
            if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
                value = value[1..^1].Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\\"", "\"", StringComparison.Ordinal);
            else if (value.Length >= 2 && value[0] == '\'' && value[^1] == '\'')
                value = value[1..^1];
            else
            {
                var hash = value.IndexOf(" #", StringComparison.Ordinal);
                if (hash >= 0) value = value[..hash].TrimEnd();
            }
            yield return (key, value);
        }
    }
}
