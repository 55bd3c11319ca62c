using Supacs.Core.Projects;

namespace Supacs.Functions.Loading;

/// <summary>
/// What <c>Deno.env</c> holds: the process environment, then secrets from <c>supabase/functions/.env</c>, then the
/// platform's own SUPABASE_* values (which always win, as on the hosted platform).
/// </summary>
internal static class FunctionEnv
{
    public static Dictionary<string, string> Build(SupacsProject project)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
            if (e.Key is string k && e.Value is string v) env[k] = v;
        if (FunctionLocator.FunctionsRoot(project.ProjectDir) is { } root)
        {
            var file = Path.Combine(root, ".env");
            if (File.Exists(file))
                foreach (var (k, v) in ParseDotEnv(File.ReadAllText(file))) env[k] = v;
        }
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
