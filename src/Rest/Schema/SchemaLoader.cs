using Npgsql;

namespace Supacs.Rest.Schema;

/// <summary>Reads the schema cache from pg_catalog in one round trip (a batch of catalog queries).</summary>
internal static class SchemaLoader
{
    private const string RelationsSql = """
        SELECT c.oid, n.nspname, c.relname, c.relkind::text,
               c.relkind IN ('r','p') OR (c.relkind IN ('v','f') AND (pg_catalog.pg_relation_is_updatable(c.oid::regclass, true) & 8) = 8),
               c.relkind IN ('r','p') OR (c.relkind IN ('v','f') AND (pg_catalog.pg_relation_is_updatable(c.oid::regclass, true) & 4) = 4),
               c.relkind IN ('r','p') OR (c.relkind IN ('v','f') AND (pg_catalog.pg_relation_is_updatable(c.oid::regclass, true) & 16) = 16),
               pg_catalog.obj_description(c.oid, 'pg_class')
        FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY($1) AND c.relkind IN ('r','v','m','f','p','c') AND NOT c.relispartition
        """;

    private const string ColumnsSql = """
        SELECT a.attrelid, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,
               CASE WHEN a.attidentity = 'd' THEN format('nextval(%L::regclass)',
                         pg_catalog.pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname))
                    WHEN a.attgenerated <> '' THEN NULL
                    WHEN d.adbin IS NULL AND t.typbasetype <> 0 THEN pg_catalog.pg_get_expr(t.typdefaultbin, 0)
                    ELSE pg_catalog.pg_get_expr(d.adbin, d.adrelid) END,
               a.attnum, a.attidentity::text || a.attgenerated::text
        FROM pg_catalog.pg_attribute a
        JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
        LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE n.nspname = ANY($1) AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attrelid, a.attnum
        """;

    private const string ConstraintsSql = """
        SELECT con.conname, con.contype::text, con.conrelid, con.confrelid,
               ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
                     JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i)::text[],
               ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
                     JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i)::text[]
        FROM pg_catalog.pg_constraint con
        JOIN pg_catalog.pg_namespace n ON n.oid = con.connamespace
        WHERE n.nspname = ANY($1) AND con.contype IN ('p','u','f')
        ORDER BY con.conname
        """;

    private const string UniqueIndexesSql = """
        SELECT i.indrelid,
               ARRAY(SELECT a.attname FROM unnest(i.indkey::int2[]) k(n) JOIN pg_catalog.pg_attribute a
                     ON a.attrelid = i.indrelid AND a.attnum = k.n)::text[]
        FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY($1) AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
        """;

    private const string FunctionsSql = """
        SELECT p.oid, n.nspname, p.proname, p.provolatile::text, p.proretset,
               pg_catalog.format_type(p.prorettype, NULL), rt.typrelid, p.pronargdefaults,
               coalesce(args.names, '{}'), coalesce(args.types, '{}'), coalesce(args.modes, '{}'),
               coalesce(p.proconfig, '{}'), p.prorows::float8
        FROM pg_catalog.pg_proc p
        JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
        JOIN pg_catalog.pg_type rt ON rt.oid = p.prorettype
        LEFT JOIN LATERAL (
            SELECT array_agg(coalesce(p.proargnames[a.i], '') ORDER BY a.i)::text[] AS names,
                   array_agg(pg_catalog.format_type(a.t, NULL) ORDER BY a.i)::text[] AS types,
                   array_agg(coalesce(p.proargmodes[a.i]::text, 'i') ORDER BY a.i)::text[] AS modes
            FROM unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) WITH ORDINALITY a(t, i)
        ) args ON true
        WHERE n.nspname = ANY($1) AND p.prokind = 'f'
        """;

    // Where each view column comes from: the TARGETENTRY nodes of the view's _RETURN rule carry resname (the
    // view column) and resorigtbl/resorigcol (the column it reads). The top-level target list is printed after
    // the range table and sublinks, so for a (view, column) the last entry wins. Views of views are followed in C#.
    private const string ViewColumnsSql = """
        SELECT r.ev_class, x.m[1], x.m[2]::oid, a.attname::text, x.ord
        FROM pg_catalog.pg_rewrite r
        JOIN pg_catalog.pg_class v ON v.oid = r.ev_class AND v.relkind IN ('v','m')
        JOIN pg_catalog.pg_namespace n ON n.oid = v.relnamespace
        CROSS JOIN LATERAL regexp_matches(r.ev_action::text,
            ':resname (\S+) :ressortgroupref \d+ :resorigtbl (\d+) :resorigcol (\d+)', 'g') WITH ORDINALITY AS x(m, ord)
        JOIN pg_catalog.pg_attribute a ON a.attrelid = x.m[2]::oid AND a.attnum = x.m[3]::int2
        WHERE r.rulename = '_RETURN' AND x.m[2] <> '0' AND length($1::text) >= 0
          AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
        ORDER BY r.ev_class, x.ord
        """;

    /// <summary>The schema PostGIS is installed in (no row without PostGIS): GeoJSON output needs its ST_AsGeoJSON(record).</summary>
    private const string PostgisSql = "SELECT n.nspname FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'postgis'";

    // Foreign and primary keys in every schema: views in exposed schemas may read tables kept in private ones.
    private const string AllForeignKeysSql = """
        SELECT con.conname, con.conrelid, con.confrelid,
               ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
                     JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i)::text[],
               ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
                     JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i)::text[],
               con.contype::text
        FROM pg_catalog.pg_constraint con
        JOIN pg_catalog.pg_namespace n ON n.oid = con.connamespace
        WHERE con.contype IN ('f', 'p') AND length($1::text) >= 0 AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        ORDER BY con.conname
        """;

    /// <summary>Loads the cache for <paramref name="schemas"/> on an admin connection.</summary>
    public static async Task<SchemaCache> LoadAsync(NpgsqlConnection conn, IReadOnlyList<string> schemas, CancellationToken ct)
    {
        var cache = new SchemaCache(schemas, DateTimeOffset.UtcNow);
        var byOid = new Dictionary<uint, Relation>();
        var schemaArray = schemas.ToArray();
        await using var batch = new NpgsqlBatch(conn);
        foreach (var sql in new[] { RelationsSql, ColumnsSql, ConstraintsSql, UniqueIndexesSql, FunctionsSql, ViewColumnsSql, AllForeignKeysSql })
        {
            var cmd = new NpgsqlBatchCommand(sql);
            cmd.Parameters.Add(new NpgsqlParameter { Value = schemaArray });
            batch.BatchCommands.Add(cmd);
        }
        batch.BatchCommands.Add(new NpgsqlBatchCommand(PostgisSql));
        batch.BatchCommands.Add(Media.MediaHandlerMap.Command(schemaArray));
        var pkColumns = new Dictionary<uint, HashSet<string>>();
        var foreignKeys = new List<(string Name, uint From, uint To, string[] FromCols, string[] ToCols)>();
        var viewColumns = new Dictionary<uint, Dictionary<string, (uint Table, string Column)>>();
        var allForeignKeys = new List<(string Name, uint From, uint To, string[] FromCols, string[] ToCols)>();
        var allPrimaryKeys = new Dictionary<uint, string[]>();
        var functions = new List<(Function F, uint RetRelOid, string[] Names, string[] Types, string[] Modes, int Defaults)>();
        await using (var r = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                var rel = new Relation(r.GetFieldValue<uint>(0), r.GetString(1), r.GetString(2), r.GetString(3)[0],
                    r.GetBoolean(4), r.GetBoolean(5), r.GetBoolean(6)) { Comment = r.IsDBNull(7) ? null : r.GetString(7) };
                byOid[rel.Oid] = rel;
                if (rel.Kind != 'c') cache.Relations[(rel.Schema, rel.Name)] = rel;
            }
            await r.NextResultAsync(ct).ConfigureAwait(false);
            var columns = new List<(uint Rel, string Name, string Type, bool Nullable, string? Default, int Pos, string Generated)>();
            while (await r.ReadAsync(ct).ConfigureAwait(false))
                columns.Add((r.GetFieldValue<uint>(0), r.GetString(1), r.GetString(2), r.GetBoolean(3), r.IsDBNull(4) ? null : r.GetString(4), r.GetInt16(5), r.GetString(6)));
            await r.NextResultAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                var name = r.GetString(0);
                var type = r.GetString(1)[0];
                var relOid = r.GetFieldValue<uint>(2);
                var cols = r.GetFieldValue<string[]>(4);
                if (!byOid.TryGetValue(relOid, out var rel)) continue;
                if (type == 'p')
                {
                    rel.PrimaryKey.AddRange(cols);
                    pkColumns[relOid] = [.. cols];
                    rel.UniqueKeys.Add(cols);
                }
                else if (type == 'u')
                {
                    rel.UniqueKeys.Add(cols);
                }
                else
                {
                    foreignKeys.Add((name, relOid, r.GetFieldValue<uint>(3), cols, r.GetFieldValue<string[]>(5)));
                }
            }
            await r.NextResultAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false))
                if (byOid.TryGetValue(r.GetFieldValue<uint>(0), out var rel)) rel.UniqueKeys.Add(r.GetFieldValue<string[]>(1));
            await r.NextResultAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                var f = new Function(r.GetFieldValue<uint>(0), r.GetString(1), r.GetString(2))
                {
                    Volatility = r.GetString(3)[0],
                    ReturnsSet = r.GetBoolean(4),
                    ReturnType = r.GetString(5),
                    Settings = ParseConfig(r.GetFieldValue<string[]>(11)),
                    Rows = r.GetDouble(12),
                };
                functions.Add((f, r.GetFieldValue<uint>(6), r.GetFieldValue<string[]>(8), r.GetFieldValue<string[]>(9), r.GetFieldValue<string[]>(10), r.GetInt16(7)));
            }
            await r.NextResultAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                var view = r.GetFieldValue<uint>(0);
                if (!viewColumns.TryGetValue(view, out var map)) viewColumns[view] = map = new(StringComparer.Ordinal);
                map[UnescapeNodeName(r.GetString(1))] = (r.GetFieldValue<uint>(2), r.GetString(3)); // last entry wins
            }
            await r.NextResultAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                if (r.GetString(5) == "p") allPrimaryKeys[r.GetFieldValue<uint>(1)] = r.GetFieldValue<string[]>(3);
                else allForeignKeys.Add((r.GetString(0), r.GetFieldValue<uint>(1), r.GetFieldValue<uint>(2), r.GetFieldValue<string[]>(3), r.GetFieldValue<string[]>(4)));
            }
            await r.NextResultAsync(ct).ConfigureAwait(false);
            if (await r.ReadAsync(ct).ConfigureAwait(false)) cache.PostgisSchema = r.GetString(0);
            await r.NextResultAsync(ct).ConfigureAwait(false);
            cache.MediaHandlers = await Media.MediaHandlerMap.ReadAsync(r, ct).ConfigureAwait(false);
            foreach (var c in columns)
            {
                if (!byOid.TryGetValue(c.Rel, out var rel)) continue;
                var isPk = pkColumns.TryGetValue(c.Rel, out var pk) && pk.Contains(c.Name);
                rel.AddColumn(new Column(c.Name, c.Type, c.Nullable, c.Default, isPk, c.Pos) { AlwaysGenerated = c.Generated is "a" or "s" });
            }
        }

        foreach (var (f, retRelOid, names, types, modes, defaults) in functions)
        {
            var inputs = new List<int>();
            var outputs = new List<int>();
            for (var i = 0; i < types.Length; i++)
            {
                var mode = i < modes.Length ? modes[i] : "i";
                if (mode is "i" or "b" or "v") inputs.Add(i);
                if (mode is "o" or "b" or "t") outputs.Add(i);
            }
            for (var k = 0; k < inputs.Count; k++)
            {
                var i = inputs[k];
                f.Params.Add(new FunctionParam(i < names.Length ? names[i] : "", types[i], k >= inputs.Count - defaults, modes.Length > i && modes[i] == "v"));
            }
            if (retRelOid != 0 && byOid.TryGetValue(retRelOid, out var retRel))
            {
                f.ReturnRelation = retRel;
            }
            else if (outputs.Count > 0 && f.ReturnType == "record")
            {
                // RETURNS TABLE(...) / OUT parameters: a pseudo relation with those columns, no relationships.
                var pseudo = new Relation(0, f.Schema, f.Name, 'c', false, false, false);
                var pos = 1;
                foreach (var i in outputs) pseudo.AddColumn(new Column(names[i], types[i], true, null, false, pos++));
                f.ReturnRelation = pseudo;
            }
            // Computed field: exactly one argument, of an exposed relation's row type, scalar result.
            if (f.Params.Count == 1 && !f.ReturnsSet && f.ReturnRelation is null && !f.ReturnsVoid)
            {
                var argType = f.Params[0].Type;
                var owner = cache.Relations.Values.FirstOrDefault(r => r.Name == argType || $"{r.Schema}.{r.Name}" == argType);
                if (owner is not null && !owner.ColumnsByName.ContainsKey(f.Name)) owner.ComputedFields.TryAdd(f.Name, f);
            }
            // Computed relationship: one argument of an exposed relation's row type, returning rows of an exposed
            // relation; embedded by the function's name, to-one unless SETOF (SETOF with ROWS 1 is to-one too).
            if (f.Params.Count == 1 && f.ReturnRelation is { Oid: not 0 } target && cache.Relations.ContainsKey((target.Schema, target.Name)))
            {
                var argType = f.Params[0].Type;
                var owner = cache.Relations.Values.FirstOrDefault(r => r.Name == argType || $"{r.Schema}.{r.Name}" == argType);
                if (owner is not null)
                {
                    var toOne = !f.ReturnsSet || f.Rows == 1;
                    owner.Relationships.Add(new Relationship(owner, target, toOne ? Cardinality.ManyToOne : Cardinality.OneToMany, f.Name, [], [], null, f));
                }
            }
            if (!cache.Functions.TryGetValue((f.Schema, f.Name), out var list)) cache.Functions[(f.Schema, f.Name)] = list = [];
            list.Add(f);
        }

        BuildRelationships(byOid, foreignKeys);
        AddViewRelationships(byOid, viewColumns, allForeignKeys, allPrimaryKeys);
        AddManyToMany(byOid.Values);
        return cache;
    }

    /// <summary>
    /// Relationships of views (PostgREST follows view definitions): every exposed view whose columns lead, possibly
    /// through other views and under other names, to all columns of a foreign key's side stands in for that table —
    /// view → table, table → view and view → view, in both directions, named by the foreign key.
    /// </summary>
    private static void AddViewRelationships(Dictionary<uint, Relation> byOid,
        Dictionary<uint, Dictionary<string, (uint Table, string Column)>> viewColumns,
        List<(string Name, uint From, uint To, string[] FromCols, string[] ToCols)> foreignKeys,
        Dictionary<uint, string[]> primaryKeys)
    {
        // Each exposed view's columns resolved to base-table columns (following views of views).
        var baseColumns = new Dictionary<uint, List<(string ViewColumn, uint Table, string Column)>>();
        foreach (var view in byOid.Values.Where(v => v.IsView))
        {
            if (!viewColumns.ContainsKey(view.Oid)) continue;
            var list = new List<(string, uint, string)>();
            foreach (var column in view.Columns)
                if (ResolveBase(viewColumns, view.Oid, column.Name, 0) is { } origin) list.Add((column.Name, origin.Table, origin.Column));
            if (list.Count > 0) baseColumns[view.Oid] = list;
        }
        foreach (var (viewOid, list) in baseColumns) SetViewPrimaryKey(byOid[viewOid], list, primaryKeys);
        if (baseColumns.Count == 0) return;

        // The exposed relations standing for a table's columns: the table itself (same names) and views over it.
        List<(Relation Rel, string[] Cols)> Stand(uint table, string[] cols)
        {
            var result = new List<(Relation, string[])>();
            if (byOid.TryGetValue(table, out var t)) result.Add((t, cols));
            foreach (var (viewOid, list) in baseColumns)
            {
                var mapped = cols.Select(c => list.FirstOrDefault(l => l.Table == table && l.Column == c).ViewColumn).ToArray();
                if (mapped.All(m => m is not null)) result.Add((byOid[viewOid], mapped));
            }
            return result;
        }

        foreach (var fk in foreignKeys)
        {
            var sources = Stand(fk.From, fk.FromCols);
            var targets = Stand(fk.To, fk.ToCols);
            var fromTable = byOid.GetValueOrDefault(fk.From);
            var oneToOne = fromTable is not null && fromTable.UniqueKeys.Any(k => k.Count == fk.FromCols.Length && k.All(fk.FromCols.Contains));
            foreach (var (src, srcCols) in sources)
            {
                foreach (var (dst, dstCols) in targets)
                {
                    if (!src.IsView && !dst.IsView) continue; // table ↔ table: built from the catalog already
                    if (src.Relationships.Any(r => r.Target == dst && r.Constraint == fk.Name && r.Junction is null && r.SourceColumns.SequenceEqual(srcCols)))
                        continue;
                    src.Relationships.Add(new Relationship(src, dst, Cardinality.ManyToOne, fk.Name, srcCols, dstCols));
                    dst.Relationships.Add(new Relationship(dst, src, oneToOne ? Cardinality.OneToOne : Cardinality.OneToMany, fk.Name, dstCols, srcCols));
                }
            }
        }
    }

    /// <summary>
    /// A view's primary key, as PostgREST's schema cache derives it: for every base table whose whole primary key the
    /// view exposes (following views of views), the first view column reading each of its key columns, in key order.
    /// A view exposing only part of a table's key gets none of that table's key columns.
    /// </summary>
    private static void SetViewPrimaryKey(Relation view, List<(string ViewColumn, uint Table, string Column)> columns,
        Dictionary<uint, string[]> primaryKeys)
    {
        var key = new List<string>();
        foreach (var table in columns.Select(c => c.Table).Distinct())
        {
            if (!primaryKeys.TryGetValue(table, out var pk)) continue;
            var mapped = pk.Select(k => columns.FirstOrDefault(c => c.Table == table && c.Column == k).ViewColumn).ToList();
            if (mapped.All(m => m is not null)) key.AddRange(mapped!);
        }
        view.SetPrimaryKey(key);
    }

    /// <summary>The base-table column a view column reads, through views of views (null for expressions).</summary>
    private static (uint Table, string Column)? ResolveBase(Dictionary<uint, Dictionary<string, (uint Table, string Column)>> viewColumns,
        uint view, string column, int depth)
    {
        if (depth > 16 || !viewColumns.TryGetValue(view, out var map) || !map.TryGetValue(column, out var origin)) return null;
        return viewColumns.ContainsKey(origin.Table) ? ResolveBase(viewColumns, origin.Table, origin.Column, depth + 1) : origin;
    }

    /// <summary>Node-tree text escapes whitespace and special characters in names with a backslash.</summary>
    private static string UnescapeNodeName(string name) =>
        name.Contains('\\', StringComparison.Ordinal) ? System.Text.RegularExpressions.Regex.Replace(name, @"\\(.)", "$1") : name;

    private static void BuildRelationships(Dictionary<uint, Relation> byOid, List<(string Name, uint From, uint To, string[] FromCols, string[] ToCols)> foreignKeys)
    {
        static bool IsUnique(Relation r, string[] cols) =>
            r.UniqueKeys.Any(k => k.Count == cols.Length && k.All(cols.Contains));

        foreach (var fk in foreignKeys)
        {
            if (!byOid.TryGetValue(fk.From, out var from) || !byOid.TryGetValue(fk.To, out var to)) continue;
            from.Relationships.Add(new Relationship(from, to, Cardinality.ManyToOne, fk.Name, fk.FromCols, fk.ToCols));
            var reverse = IsUnique(from, fk.FromCols) ? Cardinality.OneToOne : Cardinality.OneToMany;
            to.Relationships.Add(new Relationship(to, from, reverse, fk.Name, fk.ToCols, fk.FromCols));
        }
    }

    /// <summary>
    /// Many-to-many (PostgREST's addM2MRels): a junction — a table, or a view over one — with two many-to-one
    /// relationships through different foreign keys, both on columns of its primary key, links their targets
    /// (tables or views). A view's primary key is the one <see cref="SetViewPrimaryKey"/> derived.
    /// </summary>
    private static void AddManyToMany(IEnumerable<Relation> relations)
    {
        foreach (var junction in relations.ToList())
        {
            var key = junction.PrimaryKey;
            if (key.Count == 0) continue;
            var toOne = junction.Relationships.Where(r => r.Cardinality == Cardinality.ManyToOne && r.Computed is null
                && r.Junction is null && r.SourceColumns.Count > 0 && r.SourceColumns.All(key.Contains)).ToList();
            foreach (var a in toOne)
            {
                foreach (var b in toOne)
                {
                    if (a.Constraint == b.Constraint) continue;
                    a.Target.Relationships.Add(new Relationship(a.Target, b.Target, Cardinality.ManyToMany, b.Constraint, a.TargetColumns, b.TargetColumns,
                        new Junction(junction, a.Constraint, b.Constraint, a.SourceColumns, b.SourceColumns)));
                }
            }
        }
    }

    /// <summary><c>proconfig</c> entries (<c>name=value</c>) of a function's <c>SET</c> clauses.</summary>
    private static Dictionary<string, string> ParseConfig(string[] config)
    {
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in config)
        {
            var i = entry.IndexOf('=', StringComparison.Ordinal);
            if (i > 0) settings[entry[..i]] = entry[(i + 1)..];
        }
        return settings;
    }
}
