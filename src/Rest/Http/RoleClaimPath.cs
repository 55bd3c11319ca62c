using System.Text.Json;

namespace Supacs.Rest.Http;

/// <summary>
/// PostgREST's <c>jwt-role-claim-key</c>: a JSPath into the JWT claims naming the database role, e.g. <c>.role</c>
/// (default), <c>.app_metadata.role</c>, <c>."https://example.com/role"</c> or <c>.roles[0]</c>.
/// </summary>
internal sealed class RoleClaimPath
{
    private readonly List<object> _steps; // string = key, int = array index

    private RoleClaimPath(string source, List<object> steps)
    {
        Source = source;
        _steps = steps;
    }

    /// <summary>The path as configured.</summary>
    public string Source { get; }

    /// <summary>The parsed path, or null when <paramref name="path"/> is not a supported JSPath.</summary>
    public static RoleClaimPath? Parse(string path)
    {
        var steps = new List<object>();
        var i = 0;
        while (i < path.Length)
        {
            if (path[i] == '.' && i + 1 < path.Length && path[i + 1] == '"')
            {
                var end = path.IndexOf('"', i + 2);
                if (end < 0) return null;
                steps.Add(path[(i + 2)..end]);
                i = end + 1;
            }
            else if (path[i] == '.')
            {
                var start = ++i;
                while (i < path.Length && path[i] is not ('.' or '[')) i++;
                if (i == start) return null;
                steps.Add(path[start..i]);
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i);
                if (end < 0 || !int.TryParse(path.AsSpan(i + 1, end - i - 1), System.Globalization.CultureInfo.InvariantCulture, out var index)) return null;
                steps.Add(index);
                i = end + 1;
            }
            else
            {
                return null;
            }
        }
        return steps.Count > 0 ? new RoleClaimPath(path, steps) : null;
    }

    /// <summary>The role the claims name at this path; null when absent or not a string.</summary>
    public string? Find(JsonElement claims)
    {
        var current = claims;
        foreach (var step in _steps)
        {
            if (step is string key)
            {
                if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(key, out current)) return null;
            }
            else
            {
                var index = (int)step;
                if (current.ValueKind != JsonValueKind.Array || index < 0 || index >= current.GetArrayLength()) return null;
                current = current[index];
            }
        }
        return current.ValueKind == JsonValueKind.String ? current.GetString() : null;
    }
}
