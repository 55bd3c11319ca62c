namespace Supacs.Rest.Schema;

// What the REST module knows about the exposed schemas: relations, their columns and keys, the
// relationships between them (for embedding) and functions (for /rpc). Immutable once built.

internal sealed record Column(string Name, string Type, bool Nullable, string? Default, bool IsPrimaryKey, int Position)
{
    public bool IsJson => Type is "json" or "jsonb";

    /// <summary>GENERATED ALWAYS (identity or stored expression): PostgreSQL rejects any value but DEFAULT for it.</summary>
    public bool AlwaysGenerated { get; init; }
}

internal sealed class Relation(uint oid, string schema, string name, char kind, bool insertable, bool updatable, bool deletable)
{
    public uint Oid { get; } = oid;
    public string Schema { get; } = schema;
    public string Name { get; } = name;

    /// <summary>pg_class.relkind: r table, v view, m materialized view, f foreign, p partitioned; c composite type.</summary>
    public char Kind { get; } = kind;

    public bool Insertable { get; } = insertable;
    public bool Updatable { get; } = updatable;
    public bool Deletable { get; } = deletable;
    public string? Comment { get; set; }
    public List<Column> Columns { get; } = [];
    public Dictionary<string, Column> ColumnsByName { get; } = new(StringComparer.Ordinal);
    public List<string> PrimaryKey { get; } = [];

    /// <summary>Column sets that are unique (PK and UNIQUE constraints/indexes), for one-to-one detection.</summary>
    public List<IReadOnlyList<string>> UniqueKeys { get; } = [];

    public List<Relationship> Relationships { get; } = [];

    /// <summary>Computed fields: functions taking this relation's row type and returning a scalar (<c>f(tbl)</c>).</summary>
    public Dictionary<string, Function> ComputedFields { get; } = new(StringComparer.Ordinal);

    public bool IsView => Kind is 'v' or 'm';

    public void AddColumn(Column c)
    {
        Columns.Add(c);
        ColumnsByName[c.Name] = c;
    }

    /// <summary>Sets a view's derived primary key and marks those columns (tables get theirs from the catalog).</summary>
    public void SetPrimaryKey(IReadOnlyList<string> key)
    {
        PrimaryKey.Clear();
        PrimaryKey.AddRange(key);
        for (var i = 0; i < Columns.Count; i++)
        {
            var c = Columns[i];
            if (c.IsPrimaryKey == key.Contains(c.Name)) continue;
            Columns[i] = ColumnsByName[c.Name] = c with { IsPrimaryKey = !c.IsPrimaryKey };
        }
    }

    public override string ToString() => Schema + "." + Name;
}

internal enum Cardinality { ManyToOne, OneToMany, OneToOne, ManyToMany }

/// <summary>
/// A way to embed <see cref="Target"/> in <see cref="Source"/>: through a foreign key (in either direction)
/// or through a junction table for many-to-many. Column lists are aligned pairwise.
/// </summary>
internal sealed record Relationship(
    Relation Source,
    Relation Target,
    Cardinality Cardinality,
    string Constraint,
    IReadOnlyList<string> SourceColumns,
    IReadOnlyList<string> TargetColumns,
    Junction? Junction = null,
    Function? Computed = null)
{
    public bool IsToOne => Cardinality is Cardinality.ManyToOne or Cardinality.OneToOne;

    public string CardinalityText => Cardinality switch
    {
        Cardinality.ManyToOne => "many-to-one",
        Cardinality.OneToMany => "one-to-many",
        Cardinality.OneToOne => "one-to-one",
        _ => "many-to-many",
    };
}

/// <summary>The junction of a many-to-many: source.cols = junction.SourceColumns, junction.TargetColumns = target.cols.</summary>
internal sealed record Junction(Relation Table, string SourceConstraint, string TargetConstraint,
    IReadOnlyList<string> SourceColumns, IReadOnlyList<string> TargetColumns);

internal sealed record FunctionParam(string Name, string Type, bool HasDefault, bool IsVariadic);

internal sealed class Function(uint oid, string schema, string name)
{
    public uint Oid { get; } = oid;
    public string Schema { get; } = schema;
    public string Name { get; } = name;
    public List<FunctionParam> Params { get; } = [];

    /// <summary>'v' volatile, 's' stable, 'i' immutable.</summary>
    public char Volatility { get; init; }

    public bool ReturnsSet { get; init; }
    public string ReturnType { get; init; } = "";

    /// <summary>The planner's row estimate (prorows); 1 makes a SETOF computed relationship to-one.</summary>
    public double Rows { get; init; }

    /// <summary>The function's <c>SET name = value</c> clauses (proconfig).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>The relation (table/view/composite type) whose rows it returns, if any.</summary>
    public Relation? ReturnRelation { get; set; }

    /// <summary>True for void.</summary>
    public bool ReturnsVoid => ReturnType == "void";

    /// <summary>Scalar results (not a row type): returned bare or as an array.</summary>
    public bool ReturnsScalar => ReturnRelation is null && !ReturnsVoid;
}

/// <summary>The loaded cache for a set of schemas.</summary>
internal sealed class SchemaCache(IReadOnlyList<string> schemas, DateTimeOffset loadedAt)
{
    public IReadOnlyList<string> Schemas { get; } = schemas;
    public DateTimeOffset LoadedAt { get; } = loadedAt;

    /// <summary>The DDL version (supacs_rest.schema_state) read in the same snapshot as the catalog; -1 if unknown.</summary>
    public long Version { get; set; } = -1;

    /// <summary>The schema of the <c>postgis</c> extension, or null when it is not installed (no GeoJSON output then).</summary>
    public string? PostgisSchema { get; set; }

    /// <summary>Custom media type handlers (media type domains returned by aggregates and functions).</summary>
    public Media.MediaHandlerMap MediaHandlers { get; set; } = Media.MediaHandlerMap.Empty;
    public Dictionary<(string Schema, string Name), Relation> Relations { get; } = [];
    public Dictionary<(string Schema, string Name), List<Function>> Functions { get; } = [];

    public Relation? FindRelation(string schema, string name) =>
        Relations.TryGetValue((schema, name), out var r) ? r : null;

    public IReadOnlyList<Function> FindFunctions(string schema, string name) =>
        Functions.TryGetValue((schema, name), out var f) ? f : [];
}
