namespace Supacs.Rest.Query;

// The parsed shape of a PostgREST request's query string. Pure data: names here are not yet checked
// against the schema cache; the SQL builder resolves and quotes every one of them.

/// <summary>A column reference with an optional JSON path: <c>data->a->>b</c>.</summary>
internal sealed record Field(string Name, IReadOnlyList<JsonPathStep> Path)
{
    public static Field Of(string name) => new(name, []);

    /// <summary>The output name PostgREST gives a JSON path field: its last key, else the column.</summary>
    public string DefaultAlias => Path.Count == 0 ? Name : Path[^1].Key;
}

/// <summary>One <c>-></c> or <c>->></c> step; <see cref="Key"/> is an object key or an array index.</summary>
internal sealed record JsonPathStep(bool AsText, string Key);

internal abstract record SelectItem;

/// <summary><c>*</c></summary>
internal sealed record StarItem : SelectItem;

/// <summary><c>alias:col->path::cast</c>, or an aggregate <c>col.sum()</c> / <c>count()</c>.</summary>
internal sealed record FieldItem(Field Field, string? Alias, string? Cast, string? Aggregate = null, string? AggregateCast = null) : SelectItem;

/// <summary><c>alias:rel!hint!inner(...)</c> or a spread <c>...rel!hint(...)</c>.</summary>
internal sealed record EmbedItem(string Relation, string? Alias, string? Hint, JoinKind Join, bool Spread, IReadOnlyList<SelectItem> Select) : SelectItem
{
    public string OutputName => Alias ?? Relation;
}

internal enum JoinKind { Default, Inner, Left }

internal enum FilterOp
{
    Eq, Neq, Gt, Gte, Lt, Lte, Like, Ilike, Match, Imatch, In, Is, IsDistinct,
    Fts, Plfts, Phfts, Wfts, Cs, Cd, Ov, Sl, Sr, Nxr, Nxl, Adj,
}

internal enum Quantifier { None, Any, All }

/// <summary>A horizontal filter or a logic tree of them.</summary>
internal abstract record Condition;

/// <summary><c>field=[not.]op[(any|all)][(lang)].value</c>. <see cref="Value"/> is the raw text after the operator.</summary>
internal sealed record FilterCondition(Field Field, bool Negated, FilterOp Op, Quantifier Quantifier, string? Language, string Value, IReadOnlyList<string>? List) : Condition;

/// <summary><c>emb=is.null</c> / <c>emb=not.is.null</c>: anti-join or inner-join on an embed.</summary>
internal sealed record EmbedNullCondition(string Embed, bool IsNotNull) : Condition;

/// <summary><c>or=(...)</c>, <c>and=(...)</c>, possibly negated.</summary>
internal sealed record LogicCondition(bool IsOr, bool Negated, IReadOnlyList<Condition> Children) : Condition;

internal sealed record OrderTerm(Field Field, string? Relation, bool Descending, bool? NullsFirst);

/// <summary>Filters, order and paging that apply at one embedding level (path empty = top level).</summary>
internal sealed class LevelOptions
{
    public List<Condition> Conditions { get; } = [];
    public List<OrderTerm>? Order { get; set; }
    public long? Limit { get; set; }
    public long? Offset { get; set; }
}

/// <summary>Everything the query string of one request says.</summary>
internal sealed class ApiQuery
{
    public IReadOnlyList<SelectItem> Select { get; set; } = [new StarItem()];
    public bool HasSelect { get; set; }

    /// <summary>Options per embed path; key "" is the top level, "a.b" the embed b inside a.</summary>
    public Dictionary<string, LevelOptions> Levels { get; } = new(StringComparer.Ordinal) { [""] = new LevelOptions() };

    public IReadOnlyList<string>? Columns { get; set; }
    public IReadOnlyList<string>? OnConflict { get; set; }

    /// <summary>RPC GET arguments (keys without an operator) in order; repeated keys are variadic.</summary>
    public List<KeyValuePair<string, string>> RpcArgs { get; } = [];

    public LevelOptions Top => Levels[""];

    public LevelOptions Level(string path)
    {
        if (!Levels.TryGetValue(path, out var level)) Levels[path] = level = new LevelOptions();
        return level;
    }
}
