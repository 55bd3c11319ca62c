using System.Globalization;

namespace Supacs.Realtime.Changes;

/// <summary>
/// A postgres_changes filter <c>column=op.value</c> (eq, neq, lt, lte, gt, gte, in.(a,b)), evaluated in-process
/// on a row's text values. Numbers compare numerically, everything else ordinally; a NULL or absent value passes.
/// </summary>
internal sealed class ChangeFilter
{
    private static readonly HashSet<string> Ops = ["eq", "neq", "lt", "lte", "gt", "gte", "in"];

    private ChangeFilter(string column, string op, IReadOnlyList<string> values)
    {
        Column = column;
        Op = op;
        Values = values;
    }

    public string Column { get; }
    public string Op { get; }
    public IReadOnlyList<string> Values { get; }

    /// <summary>Parses the filter; returns null with an upstream-style error message when it is malformed.</summary>
    public static ChangeFilter? Parse(string filter, out string? error)
    {
        error = null;
        var eq = filter.IndexOf('=', StringComparison.Ordinal);
        var dot = eq < 0 ? -1 : filter.IndexOf('.', eq + 1);
        if (eq <= 0 || dot < 0)
        {
            error = $"Error parsing `filter` params: {filter}";
            return null;
        }
        var column = filter[..eq].Trim();
        var op = filter[(eq + 1)..dot];
        var value = filter[(dot + 1)..];
        if (!Ops.Contains(op))
        {
            error = $"Error parsing `filter` params: unsupported operator {op} in {filter}";
            return null;
        }
        if (op == "in")
        {
            if (!value.StartsWith('(') || !value.EndsWith(')'))
            {
                error = $"Error parsing `filter` params: {filter}";
                return null;
            }
            var items = value[1..^1].Split(',').Select(v => v.Trim().Trim('"')).ToList();
            return new ChangeFilter(column, op, items);
        }
        return new ChangeFilter(column, op, [value]);
    }

    /// <summary>True when the row's value (text form; null for NULL or absent) passes.</summary>
    public bool Matches(string? value)
    {
        if (value is null) return true;
        return Op switch
        {
            "eq" => Compare(value, Values[0]) == 0,
            "neq" => Compare(value, Values[0]) != 0,
            "lt" => Compare(value, Values[0]) < 0,
            "lte" => Compare(value, Values[0]) <= 0,
            "gt" => Compare(value, Values[0]) > 0,
            "gte" => Compare(value, Values[0]) >= 0,
            "in" => Values.Any(v => Compare(value, v) == 0),
            _ => false,
        };
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
