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
               pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attnum
        FROM pg_catalog.pg_attribute a
        JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
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
               coalesce(p.proconfig, '{}')
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

    // Base-table columns each view reads (from its _RETURN rule's dependencies), to carry FKs over to views.
    private const string ViewColumnsSql = """
        SELECT DISTINCT r.ev_class, d.refobjid, a.attname::text
        FROM pg_catalog.pg_rewrite r
        JOIN pg_catalog.pg_class v ON v.oid = r.ev_class
        JOIN pg_catalog.pg_namespace n ON n.oid = v.relnamespace
        JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = r.oid
             AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjsubid > 0
        JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
        WHERE n.nspname = ANY($1) AND r.rulename = '_RETURN' AND d.refobjid <> r.ev_class
        """;

    /// <summary>Loads the cache for <paramref name="schemas"/> on an admin connection.</summary>
    public static async Task<SchemaCache> LoadAsync(NpgsqlConnection conn, IReadOnlyList<string> schemas, CancellationToken ct)
    {
        var cache = new SchemaCache(schemas, DateTimeOffset.UtcNow);
        var byOid = new Dictionary<uint, Relation>();
        var schemaArray = schemas.ToArray();
        await using var batch = new NpgsqlBatch(conn);
        foreach (var sql in new[] { RelationsSql, ColumnsSql, ConstraintsSql, UniqueIndexesSql, FunctionsSql, ViewColumnsSql })
        {
            var cmd = new NpgsqlBatchCommand(sql);
            cmd.Parameters.Add(new NpgsqlParameter { Value = schemaArray });
            batch.BatchCommands.Add(cmd);
        }
        var pkColumns = new Dictionary<uint, HashSet<string>>();
        var foreignKeys = new List<(string Name, uint From, uint To, string[] FromCols, string[] ToCols)>();
        var viewColumns = new List<(uint View, uint Table, string Column)>();
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
            var columns = new List<(uint Rel, string Name, string Type, bool Nullable, string? Default, int Pos)>();
            while (await r.ReadAsync(ct).ConfigureAwait(false))
                columns.Add((r.GetFieldValue<uint>(0), r.GetString(1), r.GetString(2), r.GetBoolean(3), r.IsDBNull(4) ? null : r.GetString(4), r.GetInt16(5)));
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
                };
                functions.Add((f, r.GetFieldValue<uint>(6), r.GetFieldValue<string[]>(8), r.GetFieldValue<string[]>(9), r.GetFieldValue<string[]>(10), r.GetInt16(7)));
            }
            await r.NextResultAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false))
                viewColumns.Add((r.GetFieldValue<uint>(0), r.GetFieldValue<uint>(1), r.GetString(2)));
            foreach (var c in columns)
            {
                if (!byOid.TryGetValue(c.Rel, out var rel)) continue;
                var isPk = pkColumns.TryGetValue(c.Rel, out var pk) && pk.Contains(c.Name);
                rel.AddColumn(new Column(c.Name, c.Type, c.Nullable, c.Default, isPk, c.Pos));
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
            if (!cache.Functions.TryGetValue((f.Schema, f.Name), out var list)) cache.Functions[(f.Schema, f.Name)] = list = [];
            list.Add(f);
        }

        BuildRelationships(byOid, foreignKeys);
        AddViewRelationships(byOid, viewColumns);
        return cache;
    }

    /// <summary>
    /// Carries the base table's relationships over to a view that exposes the FK columns under the same names
    /// (PostgREST follows view definitions; this covers the common <c>SELECT cols FROM table WHERE …</c> views).
    /// </summary>
    private static void AddViewRelationships(Dictionary<uint, Relation> byOid, List<(uint View, uint Table, string Column)> viewColumns)
    {
        foreach (var group in viewColumns.GroupBy(v => (v.View, v.Table)))
        {
            if (!byOid.TryGetValue(group.Key.View, out var view) || !byOid.TryGetValue(group.Key.Table, out var table)) continue;
            var exposed = group.Select(g => g.Column).Where(view.ColumnsByName.ContainsKey).ToHashSet(StringComparer.Ordinal);
            foreach (var rel in table.Relationships.ToList())
            {
                if (rel.Junction is not null || !rel.SourceColumns.All(exposed.Contains)) continue;
                view.Relationships.Add(rel with { Source = view });
                var back = rel.Target.Relationships.FirstOrDefault(b => b.Target == table && b.Constraint == rel.Constraint && b.Junction is null);
                if (back is not null) rel.Target.Relationships.Add(back with { Target = view });
            }
        }
    }

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

        // Many-to-many: a junction whose two foreign keys are both part of its primary key.
        foreach (var group in foreignKeys.GroupBy(f => f.From))
        {
            if (!byOid.TryGetValue(group.Key, out var junction) || junction.PrimaryKey.Count == 0) continue;
            var fks = group.Where(f => f.FromCols.All(junction.PrimaryKey.Contains)).ToList();
            foreach (var a in fks)
            {
                foreach (var b in fks)
                {
                    if (ReferenceEquals(a.Name, b.Name) && a.Name == b.Name) continue;
                    if (!byOid.TryGetValue(a.To, out var src) || !byOid.TryGetValue(b.To, out var dst)) continue;
                    src.Relationships.Add(new Relationship(src, dst, Cardinality.ManyToMany, b.Name, a.ToCols, b.ToCols,
                        new Junction(junction, a.Name, b.Name, a.FromCols, b.FromCols)));
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
