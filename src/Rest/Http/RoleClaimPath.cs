using System.Globalization;
using System.Text.Json;

namespace Supacs.Rest.Http;

/// <summary>
/// PostgREST's <c>jwt-role-claim-key</c>: a JSPath into the JWT claims naming the database role, e.g. <c>.role</c>
/// (default), <c>.app_metadata.role</c>, <c>."https://example.com/role"</c>, <c>.roles[0]</c>, or a filter picking the
/// first string of an array that matches: <c>.roles[?(@ == "admin")]</c>, with <c>!=</c>, <c>^==</c> (starts with),
/// <c>==^</c> (ends with) and <c>*==</c> (contains). String slices <c>[1:]</c>, <c>[:-2]</c> (later PostgREST) work too.
/// </summary>
internal sealed class RoleClaimPath : IEquatable<RoleClaimPath>
{
    private abstract record Step;
    private sealed record Key(string Name) : Step;
    private sealed record Index(int Value) : Step;
    private sealed record Slice(int? Start, int? End) : Step;
    private sealed record Filter(string Operator, string Text) : Step;

    private readonly List<Step> _steps;

    private RoleClaimPath(string source, List<Step> steps)
    {
        Source = source;
        _steps = steps;
    }

    /// <summary>The path as configured.</summary>
    public string Source { get; }

    /// <summary>Paths are equal when configured alike (settings compare by value).</summary>
    public bool Equals(RoleClaimPath? other) => other is not null && Source == other.Source;

    public override bool Equals(object? obj) => Equals(obj as RoleClaimPath);

    public override int GetHashCode() => Source.GetHashCode(StringComparison.Ordinal);

    /// <summary>The parsed path, or null when <paramref name="path"/> is not a supported JSPath.</summary>
    public static RoleClaimPath? Parse(string path)
    {
        var steps = new List<Step>();
        var i = 0;
        while (i < path.Length)
        {
            if (path[i] == '.' && i + 1 < path.Length && path[i + 1] == '"')
            {
                var end = path.IndexOf('"', i + 2);
                if (end < 0) return null;
                steps.Add(new Key(path[(i + 2)..end]));
                i = end + 1;
            }
            else if (path[i] == '.')
            {
                var start = ++i;
                while (i < path.Length && path[i] is not ('.' or '[')) i++;
                if (i == start) return null;
                steps.Add(new Key(path[start..i]));
            }
            else if (path[i] == '[' && ParseBracket(path, ref i) is { } step)
            {
                steps.Add(step);
            }
            else
            {
                return null;
            }
        }
        return steps.Count > 0 ? new RoleClaimPath(path, steps) : null;
    }

    /// <summary><c>[n]</c>, <c>[a:b]</c> or <c>[?(@ op "text")]</c> at <paramref name="i"/>; moves past it.</summary>
    private static Step? ParseBracket(string path, ref int i)
    {
        if (path.AsSpan(i).StartsWith("[?(", StringComparison.Ordinal))
        {
            var j = i + 3;
            if (j >= path.Length || path[j] != '@') return null;
            j = SkipSpaces(path, j + 1);
            string? op = null;
            foreach (var candidate in (ReadOnlySpan<string>)["==^", "==", "!=", "^==", "*=="])
            {
                if (path.AsSpan(j).StartsWith(candidate, StringComparison.Ordinal))
                {
                    op = candidate;
                    break;
                }
            }
            if (op is null) return null;
            j = SkipSpaces(path, j + op.Length);
            if (j >= path.Length || path[j] != '"') return null;
            var close = path.IndexOf('"', j + 1);
            if (close < 0 || !path.AsSpan(close + 1).StartsWith(")]", StringComparison.Ordinal)) return null;
            i = close + 3;
            return new Filter(op, path[(j + 1)..close]);
        }
        var end = path.IndexOf(']', i);
        if (end < 0) return null;
        var inner = path.AsSpan(i + 1, end - i - 1);
        i = end + 1;
        var colon = inner.IndexOf(':');
        if (colon < 0)
            return inner.Length > 0 && IsDigits(inner) && int.TryParse(inner, CultureInfo.InvariantCulture, out var index) ? new Index(index) : null;
        return Bound(inner[..colon], out var start) && Bound(inner[(colon + 1)..], out var stop) ? new Slice(start, stop) : null;
    }

    private static bool Bound(ReadOnlySpan<char> text, out int? value)
    {
        value = null;
        if (text.Length == 0) return true;
        var digits = text[0] == '-' ? text[1..] : text;
        if (digits.Length == 0 || !IsDigits(digits) || !int.TryParse(text, CultureInfo.InvariantCulture, out var v)) return false;
        value = v;
        return true;
    }

    private static bool IsDigits(ReadOnlySpan<char> text)
    {
        foreach (var c in text) if (!char.IsAsciiDigit(c)) return false;
        return true;
    }

    private static int SkipSpaces(string s, int i)
    {
        while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
        return i;
    }

    /// <summary>The role the claims name at this path; null when absent or not a string.</summary>
    public string? Find(JsonElement claims)
    {
        var current = claims;
        string? text = null; // set once a slice has produced a string that is no longer a JsonElement
        foreach (var step in _steps)
        {
            switch (step)
            {
                case Key key when text is null && current.ValueKind == JsonValueKind.Object && current.TryGetProperty(key.Name, out var next):
                    current = next;
                    break;
                case Index index when text is null && current.ValueKind == JsonValueKind.Array && index.Value < current.GetArrayLength():
                    current = current[index.Value];
                    break;
                case Slice slice when text is not null || current.ValueKind == JsonValueKind.String:
                    text = Cut(text ?? current.GetString()!, slice);
                    break;
                case Filter filter when text is null && current.ValueKind == JsonValueKind.Array:
                    var match = current.EnumerateArray().FirstOrDefault(e => e.ValueKind == JsonValueKind.String && Matches(e.GetString()!, filter));
                    if (match.ValueKind == JsonValueKind.Undefined) return null;
                    current = match;
                    break;
                default:
                    return null;
            }
        }
        return text ?? (current.ValueKind == JsonValueKind.String ? current.GetString() : null);
    }

    private static bool Matches(string value, Filter filter) => filter.Operator switch
    {
        "==" => value == filter.Text,
        "!=" => value != filter.Text,
        "^==" => value.StartsWith(filter.Text, StringComparison.Ordinal),
        "==^" => value.EndsWith(filter.Text, StringComparison.Ordinal),
        _ => value.Contains(filter.Text, StringComparison.Ordinal),
    };

    /// <summary>Python-like slice: negative bounds count from the end, clamped to the string.</summary>
    private static string Cut(string s, Slice slice)
    {
        int Norm(int v) => Math.Max(0, Math.Min(s.Length, v < 0 ? s.Length + v : v));
        var start = slice.Start is { } a ? Norm(a) : 0;
        var end = slice.End is { } b ? Norm(b) : s.Length;
        return start >= end ? "" : s[start..end];
    }
}
