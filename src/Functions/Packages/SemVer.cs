using System.Globalization;
using System.Text.RegularExpressions;

namespace Supacs.Functions.Packages;

/// <summary>A semantic version (<c>1.2.3-beta.1+build</c>); build metadata is ignored for ordering, as in npm.</summary>
internal sealed partial class SemVersion : IComparable<SemVersion>, IEquatable<SemVersion>
{
    private SemVersion(long major, long minor, long patch, string[] pre, string text)
    {
        Major = major;
        Minor = minor;
        Patch = patch;
        Prerelease = pre;
        Text = text;
    }

    public long Major { get; }
    public long Minor { get; }
    public long Patch { get; }
    public IReadOnlyList<string> Prerelease { get; }
    public bool IsPrerelease => Prerelease.Count > 0;

    /// <summary>The version as the registry wrote it (used for folder names).</summary>
    public string Text { get; }

    [GeneratedRegex(@"^\s*[v=]*\s*(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?\s*$")]
    private static partial Regex Full();

    public static SemVersion? TryParse(string text)
    {
        var m = Full().Match(text);
        if (!m.Success) return null;
        if (!long.TryParse(m.Groups[1].Value, CultureInfo.InvariantCulture, out var major)
            || !long.TryParse(m.Groups[2].Value, CultureInfo.InvariantCulture, out var minor)
            || !long.TryParse(m.Groups[3].Value, CultureInfo.InvariantCulture, out var patch)) return null;
        var pre = m.Groups[4].Success ? m.Groups[4].Value.Split('.') : [];
        return new SemVersion(major, minor, patch, pre, text.Trim());
    }

    public static SemVersion Of(long major, long minor, long patch, params string[] pre) =>
        new(major, minor, patch, pre, $"{major}.{minor}.{patch}" + (pre.Length > 0 ? "-" + string.Join('.', pre) : ""));

    public bool SameTuple(SemVersion other) => Major == other.Major && Minor == other.Minor && Patch == other.Patch;

    public int CompareTo(SemVersion? other)
    {
        if (other is null) return 1;
        var c = Major.CompareTo(other.Major);
        if (c == 0) c = Minor.CompareTo(other.Minor);
        if (c == 0) c = Patch.CompareTo(other.Patch);
        if (c != 0) return c;
        if (Prerelease.Count == 0) return other.Prerelease.Count == 0 ? 0 : 1;
        if (other.Prerelease.Count == 0) return -1;
        for (var i = 0; i < Math.Min(Prerelease.Count, other.Prerelease.Count); i++)
        {
            var a = Prerelease[i];
            var b = other.Prerelease[i];
            var an = long.TryParse(a, CultureInfo.InvariantCulture, out var ai);
            var bn = long.TryParse(b, CultureInfo.InvariantCulture, out var bi);
            c = an && bn ? ai.CompareTo(bi) : an ? -1 : bn ? 1 : string.CompareOrdinal(a, b);
            if (c != 0) return c;
        }
        return Prerelease.Count.CompareTo(other.Prerelease.Count);
    }

    public bool Equals(SemVersion? other) => CompareTo(other) == 0;
    public override bool Equals(object? obj) => obj is SemVersion v && Equals(v);
    public override int GetHashCode() => HashCode.Combine(Major, Minor, Patch, string.Join('.', Prerelease));
    public override string ToString() => Text;
}

/// <summary>
/// An npm semver range (<c>^1.2</c>, <c>~1.2.3</c>, <c>&gt;=1 &lt;3</c>, <c>1.x</c>, <c>1.2 - 2</c>, <c>a || b</c>, <c>*</c>),
/// desugared to comparator sets as node-semver does, with its prerelease rule: a prerelease version matches only
/// when a comparator of the set names a prerelease of the same major.minor.patch.
/// </summary>
internal sealed partial class SemRange
{
    private readonly List<List<(string Op, SemVersion Version)>> _sets;

    private SemRange(List<List<(string, SemVersion)>> sets, string text)
    {
        _sets = sets;
        Text = text;
    }

    public string Text { get; }

    [GeneratedRegex(@"(<=|>=|<|>|=|\^|~>?)\s+")]
    private static partial Regex OperatorSpace();

    [GeneratedRegex(@"^(<=|>=|<|>|=|\^|~>?)?\s*[v=]*(\*|[xX]|\d+)?(?:\.(\*|[xX]|\d+))?(?:\.(\*|[xX]|\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")]
    private static partial Regex Partial();

    /// <summary>The range, or null when <paramref name="text"/> is not one (a dist-tag such as <c>latest</c>).</summary>
    public static SemRange? TryParse(string text)
    {
        var sets = new List<List<(string, SemVersion)>>();
        foreach (var alternative in text.Split("||"))
        {
            var set = new List<(string, SemVersion)>();
            var tokens = OperatorSpace().Replace(alternative.Trim(), "$1").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            for (var i = 0; i < tokens.Length; i++)
            {
                if (i + 2 < tokens.Length && tokens[i + 1] == "-")
                {
                    if (!Hyphen(tokens[i], tokens[i + 2], set)) return null;
                    i += 2;
                    continue;
                }
                if (!Comparator(tokens[i], set)) return null;
            }
            sets.Add(set);
        }
        return new SemRange(sets, text.Trim());
    }

    private readonly record struct Parts(string Op, long? Major, long? Minor, long? Patch, string[] Pre);

    private static Parts? Split(string token)
    {
        var m = Partial().Match(token);
        if (!m.Success) return null;
        static long? Num(Group g) => g.Success && g.Value is not ("*" or "x" or "X") ? long.Parse(g.Value, CultureInfo.InvariantCulture) : null;
        var major = Num(m.Groups[2]);
        var minor = major is null ? null : Num(m.Groups[3]);
        var patch = minor is null ? null : Num(m.Groups[4]);
        var pre = patch is not null && m.Groups[5].Success ? m.Groups[5].Value.Split('.') : [];
        return new Parts(m.Groups[1].Value, major, minor, patch, pre);
    }

    private static SemVersion Floor(Parts p) => SemVersion.Of(p.Major ?? 0, p.Minor ?? 0, p.Patch ?? 0, p.Pre);

    private static bool Hyphen(string from, string to, List<(string, SemVersion)> set)
    {
        if (Split(from) is not { Op: "" } a || Split(to) is not { Op: "" } b) return false;
        if (a.Major is not null) set.Add((">=", Floor(a)));
        if (b.Major is null) return true;
        if (b.Minor is null) set.Add(("<", SemVersion.Of(b.Major.Value + 1, 0, 0, "0")));
        else if (b.Patch is null) set.Add(("<", SemVersion.Of(b.Major.Value, b.Minor.Value + 1, 0, "0")));
        else set.Add(("<=", Floor(b)));
        return true;
    }

    private static bool Comparator(string token, List<(string, SemVersion)> set)
    {
        if (Split(token) is not { } p) return false;
        var (major, minor, patch) = (p.Major, p.Minor, p.Patch);
        switch (p.Op)
        {
            case "" or "=":
                if (major is null) return true; // * — any release
                if (minor is null) { set.Add((">=", SemVersion.Of(major.Value, 0, 0))); set.Add(("<", SemVersion.Of(major.Value + 1, 0, 0, "0"))); }
                else if (patch is null) { set.Add((">=", SemVersion.Of(major.Value, minor.Value, 0))); set.Add(("<", SemVersion.Of(major.Value, minor.Value + 1, 0, "0"))); }
                else set.Add(("=", Floor(p)));
                return true;
            case "~" or "~>":
                if (major is null) return true;
                set.Add((">=", Floor(p)));
                set.Add(("<", minor is null ? SemVersion.Of(major.Value + 1, 0, 0, "0") : SemVersion.Of(major.Value, minor.Value + 1, 0, "0")));
                return true;
            case "^":
                if (major is null) return true;
                set.Add((">=", Floor(p)));
                if (major > 0 || minor is null) set.Add(("<", SemVersion.Of(major.Value + 1, 0, 0, "0")));
                else if (minor > 0 || patch is null) set.Add(("<", SemVersion.Of(0, minor.Value + 1, 0, "0")));
                else set.Add(("<", SemVersion.Of(0, 0, patch.Value + 1, "0")));
                return true;
            case ">":
                if (major is null) { set.Add(("<", SemVersion.Of(0, 0, 0, "0"))); return true; } // >* matches nothing
                if (minor is null) set.Add((">=", SemVersion.Of(major.Value + 1, 0, 0)));
                else if (patch is null) set.Add((">=", SemVersion.Of(major.Value, minor.Value + 1, 0)));
                else set.Add((">", Floor(p)));
                return true;
            case ">=":
                if (major is not null) set.Add((">=", Floor(p)));
                return true;
            case "<":
                if (major is null) { set.Add(("<", SemVersion.Of(0, 0, 0, "0"))); return true; }
                set.Add(("<", patch is null ? SemVersion.Of(major.Value, minor ?? 0, 0, "0") : Floor(p)));
                return true;
            case "<=":
                if (major is null) return true;
                if (minor is null) set.Add(("<", SemVersion.Of(major.Value + 1, 0, 0, "0")));
                else if (patch is null) set.Add(("<", SemVersion.Of(major.Value, minor.Value + 1, 0, "0")));
                else set.Add(("<=", Floor(p)));
                return true;
            default:
                return false;
        }
    }

    public bool IsSatisfiedBy(SemVersion v) => _sets.Any(set => Test(set, v));

    private static bool Test(List<(string Op, SemVersion Version)> set, SemVersion v)
    {
        foreach (var (op, bound) in set)
        {
            var c = v.CompareTo(bound);
            var ok = op switch { "=" => c == 0, ">" => c > 0, ">=" => c >= 0, "<" => c < 0, "<=" => c <= 0, _ => false };
            if (!ok) return false;
        }
        if (!v.IsPrerelease) return true;
        // Prereleases only match when the range itself names a prerelease of the same version tuple.
        return set.Any(c => c.Version.IsPrerelease && c.Version.SameTuple(v) && !(c.Op == "<" && c.Version.Prerelease is ["0"]));
    }

    /// <summary>The highest of <paramref name="versions"/> in this range, or null.</summary>
    public SemVersion? MaxSatisfying(IEnumerable<SemVersion> versions) =>
        versions.Where(IsSatisfiedBy).OrderDescending().FirstOrDefault();

    public override string ToString() => Text;
}
