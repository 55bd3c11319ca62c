using System.Text.Json.Nodes;
using Supacs.Rest.Schema;

namespace Supacs.Rest.Sql;

/// <summary>Finds the relationship an embed names (PostgREST's findRel), with its PGRST200/201 errors.</summary>
internal static class RelationshipResolver
{
    public static Relationship Resolve(Relation source, string name, string? hint, string schema)
    {
        // A computed relationship (a function taking the row) is named by its function and takes precedence.
        var computed = source.Relationships.Where(r => r.Computed is { } f && f.Name == name && f.Schema == schema).ToList();
        if (computed.Count == 1 && hint is null) return computed[0];
        var candidates = source.Relationships.Where(r => r.Computed is null).Where(r =>
            r.Target.Name == name
            || (r.Cardinality == Cardinality.ManyToOne && (r.Constraint == name || (r.SourceColumns.Count == 1 && r.SourceColumns[0] == name))))
            .ToList();
        if (hint is not null)
        {
            candidates = candidates.Where(r =>
                r.Constraint == hint
                || (r.SourceColumns.Count == 1 && r.SourceColumns[0] == hint)
                || (r.TargetColumns.Count == 1 && r.TargetColumns[0] == hint)
                || (r.Junction is { } j && (j.Table.Name == hint || j.SourceConstraint == hint)))
                .ToList();
        }
        if (candidates.Count > 1 && source.Name == name)
        {
            // Self relationship: the table name means one-to-many, the FK column (or constraint) many-to-one.
            var o2m = candidates.Where(r => r.Cardinality is Cardinality.OneToMany or Cardinality.OneToOne && r.Target == source).ToList();
            if (hint is not null && o2m.Count == 1) candidates = o2m;
        }
        if (candidates.Count == 1) return candidates[0];
        if (candidates.Count == 0)
        {
            var suggestion = source.Relationships.Select(r => r.Target.Name).Distinct()
                .OrderBy(n => Levenshtein(n, name)).FirstOrDefault();
            var hintText = suggestion is not null && Levenshtein(suggestion, name) <= Math.Max(2, name.Length / 2)
                ? $"Perhaps you meant '{suggestion}' instead of '{name}'." : null;
            var using_ = hint is null ? "" : $"' using the hint '{hint}";
            throw new RestException(400, "PGRST200",
                $"Could not find a relationship between '{source.Name}' and '{name}' in the schema cache",
                $"Searched for a foreign key relationship between '{source.Name}' and '{name}{using_}' in the schema '{schema}', but no matches were found.",
                hintText);
        }
        var details = new JsonArray();
        foreach (var r in candidates)
        {
            details.Add(new JsonObject
            {
                ["cardinality"] = r.CardinalityText,
                ["embedding"] = $"{source.Name} with {r.Target.Name}",
                ["relationship"] = r.Junction is { } j
                    ? $"{j.Table.Name} using {j.SourceConstraint}({string.Join(", ", j.SourceColumns)}) and {j.TargetConstraint}({string.Join(", ", j.TargetColumns)})"
                    : $"{r.Constraint} using {source.Name}({string.Join(", ", r.SourceColumns)}) and {r.Target.Name}({string.Join(", ", r.TargetColumns)})",
            });
        }
        var options = string.Join(", ", candidates.Select(r => $"'{name}!{(r.Junction is { } jj ? jj.Table.Name : r.Constraint)}'"));
        throw new RestException(300, "PGRST201",
            $"Could not embed because more than one relationship was found for '{source.Name}' and '{name}'",
            details, $"Try changing '{name}' to one of the following: {options}. Find the desired relationship in the 'details' key.");
    }

    private static int Levenshtein(string a, string b)
    {
        var d = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) d[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            var prev = d[0];
            d[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var tmp = d[j];
                d[j] = Math.Min(Math.Min(d[j] + 1, d[j - 1] + 1), prev + (a[i - 1] == b[j - 1] ? 0 : 1));
                prev = tmp;
            }
        }
        return d[b.Length];
    }
}
