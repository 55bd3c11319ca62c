using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Supacs.Realtime.Changes;

/// <summary>
/// A postgres_changes filter: comma-ANDed conditions <c>column=[not.]op.value</c> with eq, neq, lt, lte, gt, gte, in.(a,b),
/// like, ilike (<c>%</c> or <c>*</c> wildcards), is (null/true/false/unknown), match, imatch (regex) and isdistinct; values may be
/// double-quoted to contain <c>, ( ) " \</c>. Evaluated in-process on a row's text values: numbers compare numerically, everything
/// else ordinally; a NULL or absent value passes every operator except is and isdistinct (as upstream's 2.3x filters did).
/// </summary>
internal sealed class ChangeFilter
{
    private static readonly HashSet<string> Ops = ["eq", "neq", "lt", "lte", "gt", "gte", "in", "like", "ilike", "is", "match", "imatch", "isdistinct"];

    private ChangeFilter(IReadOnlyList<Condition> conditions) => Conditions = conditions;

    public IReadOnlyList<Condition> Conditions { get; }

    public IEnumerable<string> Columns => Conditions.Select(c => c.Column);

    /// <summary>One condition of the filter.</summary>
    internal sealed record Condition(string Column, string Op, bool Negate, IReadOnlyList<string> Values, Regex? Pattern);

    /// <summary>Parses the filter; returns null with an upstream-style error message when it is malformed.</summary>
    public static ChangeFilter? Parse(string filter, out string? error)
    {
        error = null;
        var conditions = new List<Condition>();
        foreach (var part in SplitTopLevel(filter, ','))
        {
            var condition = ParseCondition(part.Trim(), out error);
            if (condition is null)
            {
                error = $"Error parsing `filter` params: {error ?? filter}";
                return null;
            }
            conditions.Add(condition);
        }
        if (conditions.Count == 0)
        {
            error = $"Error parsing `filter` params: {filter}";
            return null;
        }
        return new ChangeFilter(conditions);
    }

    private static Condition? ParseCondition(string text, out string? error)
    {
        error = null;
        var eq = text.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            error = text;
            return null;
        }
        var column = text[..eq].Trim();
        var rest = text[(eq + 1)..];
        var negate = false;
        if (rest.StartsWith("not.", StringComparison.Ordinal))
        {
            negate = true;
            rest = rest[4..];
        }
        var dot = rest.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0)
        {
            error = text;
            return null;
        }
        var op = rest[..dot];
        var value = rest[(dot + 1)..];
        if (!Ops.Contains(op))
        {
            error = $"unsupported operator {op} in {text}";
            return null;
        }
        switch (op)
        {
            case "in":
                if (!value.StartsWith('(') || !value.EndsWith(')'))
                {
                    error = text;
                    return null;
                }
                return new Condition(column, op, negate, SplitTopLevel(value[1..^1], ',').Select(v => Unquote(v.Trim())).ToList(), null);
            case "is":
                value = value.ToLowerInvariant();
                if (value is not ("null" or "true" or "false" or "unknown"))
                {
                    error = $"is expects null, true, false or unknown in {text}";
                    return null;
                }
                return new Condition(column, op, negate, [value], null);
            case "like" or "ilike":
                return new Condition(column, op, negate, [value], LikePattern(Unquote(value), op == "ilike"));
            case "match" or "imatch":
                try
                {
                    var options = RegexOptions.CultureInvariant | (op == "imatch" ? RegexOptions.IgnoreCase : RegexOptions.None);
                    return new Condition(column, op, negate, [value], new Regex(Unquote(value), options, TimeSpan.FromMilliseconds(50)));
                }
                catch (ArgumentException)
                {
                    error = $"invalid regular expression in {text}";
                    return null;
                }
            default:
                return new Condition(column, op, negate, [Unquote(value)], null);
        }
    }

    /// <summary>True when every condition passes; <paramref name="valueOf"/> gives a column's text value (null for NULL or absent).</summary>
    public bool Matches(Func<string, string?> valueOf)
    {
        foreach (var c in Conditions)
            if (!Matches(c, valueOf(c.Column))) return false;
        return true;
    }

    /// <summary>Single-value form, for a filter with one condition.</summary>
    public bool MatchesValue(string? value) => Matches(_ => value);

    private static bool Matches(Condition c, string? value)
    {
        bool result;
        switch (c.Op)
        {
            case "is":
                result = c.Values[0] switch
                {
                    "null" or "unknown" => value is null,
                    "true" => value is not null && IsBool(value, out var t) && t,
                    _ => value is not null && IsBool(value, out var f) && !f,
                };
                break;
            case "isdistinct":
                result = value is null ? c.Values[0] != "null" : Compare(value, c.Values[0]) != 0;
                break;
            default:
                if (value is null) return true;
                result = c.Op switch
                {
                    "eq" => Compare(value, c.Values[0]) == 0,
                    "neq" => Compare(value, c.Values[0]) != 0,
                    "lt" => Compare(value, c.Values[0]) < 0,
                    "lte" => Compare(value, c.Values[0]) <= 0,
                    "gt" => Compare(value, c.Values[0]) > 0,
                    "gte" => Compare(value, c.Values[0]) >= 0,
                    "in" => c.Values.Any(v => Compare(value, v) == 0),
                    "like" or "ilike" or "match" or "imatch" => SafeMatch(c.Pattern!, value),
                    _ => false,
                };
                break;
        }
        return result != c.Negate;
    }

    private static bool SafeMatch(Regex regex, string value)
    {
        try
        {
            return regex.IsMatch(value);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    private static Regex LikePattern(string pattern, bool ignoreCase)
    {
        var sb = new StringBuilder("^");
        foreach (var ch in pattern)
        {
            sb.Append(ch switch
            {
                '%' or '*' => ".*",
                '_' => ".",
                _ => Regex.Escape(ch.ToString()),
            });
        }
        sb.Append('$');
        return new Regex(sb.ToString(), RegexOptions.Singleline | RegexOptions.CultureInvariant | (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None), TimeSpan.FromMilliseconds(50));
    }

    /// <summary>Splits on <paramref name="separator"/> outside double quotes and parentheses.</summary>
    private static List<string> SplitTopLevel(string s, char separator)
    {
        var parts = new List<string>();
        var depth = 0;
        var quoted = false;
        var start = 0;
        for (var i = 0; i < s.Length; i++)
        {
            var ch = s[i];
            if (ch == '\\' && quoted) { i++; continue; }
            if (ch == '"') quoted = !quoted;
            else if (!quoted && ch == '(') depth++;
            else if (!quoted && ch == ')') depth--;
            else if (!quoted && depth == 0 && ch == separator)
            {
                parts.Add(s[start..i]);
                start = i + 1;
            }
        }
        parts.Add(s[start..]);
        return parts.Where(p => p.Length > 0).ToList();
    }

    private static string Unquote(string v)
    {
        if (v.Length < 2 || v[0] != '"' || v[^1] != '"') return v;
        var sb = new StringBuilder();
        for (var i = 1; i < v.Length - 1; i++)
        {
            if (v[i] == '\\' && i + 1 < v.Length - 1) i++;
            sb.Append(v[i]);
        }
        return sb.ToString();
    }

    private static int Compare(string actual, string expected)
    {
        if (decimal.TryParse(actual, NumberStyles.Float, CultureInfo.InvariantCulture, out var a) &&
            decimal.TryParse(expected, NumberStyles.Float, CultureInfo.InvariantCulture, out var b))
            return a.CompareTo(b);
        if (IsBool(actual, out var ab) && IsBool(expected, out var bb)) return ab.CompareTo(bb);
        return string.CompareOrdinal(actual, expected);
    }

    private static bool IsBool(string s, out bool value)
    {
        switch (s)
        {
            case "t" or "true": value = true; return true;
            case "f" or "false": value = false; return true;
            default: value = false; return false;
        }
    }
}
