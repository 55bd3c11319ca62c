using System.Text;
using Supacs.Rest.Query;
using Supacs.Rest.Schema;

namespace Supacs.Rest.Sql;

/// <summary>
/// Turns a parsed select/filter/order/paging request on one relation into SQL: the selected columns,
/// LATERAL subqueries for embeds (named like PostgREST's: table <c>t_1</c>, lateral <c>parent_emb_1</c>),
/// WHERE from the filters. Every name is checked against the schema cache and quoted; values are parameters.
/// </summary>
internal sealed class ReadBuilder(string schema, SqlParams parameters, RestSettings settings, ApiQuery query)
{
    private readonly HashSet<string> _seenPaths = new(StringComparer.Ordinal) { "" };

    /// <summary>SQL pieces of one level (top or an embed).</summary>
    internal sealed class Level
    {
        public List<string> Columns { get; } = [];
        public List<string> OutputNames { get; } = [];
        public List<(string Sql, bool AffectsRows)> Joins { get; } = [];
        public List<string> Wheres { get; } = [];
        public List<string> GroupBy { get; } = [];
        public bool HasAggregate { get; set; }
        public string? OrderBy { get; set; }
        public long? Limit { get; set; }
        public long? Offset { get; set; }
        public Dictionary<string, EmbedInfo> Embeds { get; } = new(StringComparer.Ordinal);
    }

    internal sealed record EmbedInfo(string LateralAlias, Relationship Relationship, int JoinIndex, List<string> OutputNames);

    public SqlParams Parameters => parameters;

    /// <summary>Builds the level for the request's top relation, read <c>FROM source AS alias</c>.</summary>
    public Level BuildTop(Relation rel, string alias, long? rangeOffset, long? rangeLimit)
    {
        var level = BuildLevel(rel, alias, query.Select, "", 0);
        var top = query.Top;
        var limit = top.Limit;
        if (rangeLimit is { } rl) limit = limit is { } l ? Math.Min(l, rl) : rl;
        if (settings.MaxRows is { } max) limit = limit is { } l2 ? Math.Min(l2, max) : max;
        level.Limit = limit;
        level.Offset = (top.Offset ?? 0) + (rangeOffset ?? 0);
        foreach (var path in query.Levels.Keys)
        {
            if (!_seenPaths.Contains(path))
                throw new RestException(400, "PGRST108", $"'{path.Split('.')[^1]}' is not an embedded resource in this request",
                    (string?)null, $"Verify that '{path.Split('.')[^1]}' is included in the 'select' query parameter.");
        }
        return level;
    }

    /// <summary><c>SELECT cols FROM source AS alias joins WHERE .. ORDER BY .. LIMIT .. OFFSET ..</c></summary>
    public static string Compose(Level level, string fromSql, IEnumerable<string>? extraWheres = null, bool forCount = false)
    {
        var sb = new StringBuilder("SELECT ");
        if (forCount) sb.Append('1');
        else sb.Append(level.Columns.Count == 0 ? "NULL AS \"pgrst_none\"" : string.Join(", ", level.Columns));
        sb.Append(" FROM ").Append(fromSql);
        foreach (var (join, affects) in level.Joins)
            if (!forCount || affects) sb.Append(' ').Append(join);
        var wheres = level.Wheres.Concat(extraWheres ?? []).ToList();
        if (wheres.Count > 0) sb.Append(" WHERE ").Append(string.Join(" AND ", wheres));
        if (forCount) return sb.ToString();
        if (level.HasAggregate && level.GroupBy.Count > 0) sb.Append(" GROUP BY ").Append(string.Join(", ", level.GroupBy));
        if (level.OrderBy is not null) sb.Append(" ORDER BY ").Append(level.OrderBy);
        if (level.Limit is { } limit) sb.Append(" LIMIT ").Append(limit);
        if (level.Offset is { } offset && offset > 0) sb.Append(" OFFSET ").Append(offset);
        return sb.ToString();
    }

    private Level BuildLevel(Relation rel, string alias, IReadOnlyList<SelectItem> select, string path, int depth)
    {
        var level = new Level();
        // Embeds first, so filters and order can refer to them.
        foreach (var item in select)
        {
            if (item is EmbedItem embed) AddEmbed(level, rel, alias, embed, path, depth);
        }
        foreach (var item in select)
        {
            switch (item)
            {
                case StarItem:
                    level.Columns.Add(Sql.Ident(alias) + ".*");
                    foreach (var c in rel.Columns) level.OutputNames.Add(c.Name);
                    foreach (var c in rel.Columns) level.GroupBy.Add(Sql.Ident(alias) + "." + Sql.Ident(c.Name));
                    break;
                case FieldItem f:
                    AddField(level, rel, alias, f);
                    break;
                case EmbedItem e:
                    var info = level.Embeds[e.OutputName];
                    var lat = Sql.Ident(info.LateralAlias);
                    if (e.Select.Count == 0) break;
                    if (e.Spread)
                    {
                        var toMany = !info.Relationship.IsToOne;
                        foreach (var n in info.OutputNames)
                        {
                            level.Columns.Add(toMany
                                ? $"COALESCE({lat}.{Sql.Ident(n)}, '[]') AS {Sql.Ident(n)}"
                                : $"{lat}.{Sql.Ident(n)} AS {Sql.Ident(n)}");
                            level.OutputNames.Add(n);
                            level.GroupBy.Add($"{lat}.{Sql.Ident(n)}");
                        }
                    }
                    else if (info.Relationship.IsToOne)
                    {
                        level.Columns.Add($"{lat}.{lat} AS {Sql.Ident(e.OutputName)}");
                        level.OutputNames.Add(e.OutputName);
                        level.GroupBy.Add($"{lat}.{lat}");
                    }
                    else
                    {
                        level.Columns.Add($"COALESCE({lat}.{lat}, '[]') AS {Sql.Ident(e.OutputName)}");
                        level.OutputNames.Add(e.OutputName);
                        level.GroupBy.Add($"{lat}.{lat}");
                    }
                    break;
            }
        }
        if (!level.HasAggregate) level.GroupBy.Clear();

        if (query.Levels.TryGetValue(path, out var options))
        {
            foreach (var condition in options.Conditions)
                level.Wheres.Add(ConditionSql(level, rel, alias, condition));
            if (options.Order is { Count: > 0 } order)
                level.OrderBy = string.Join(", ", order.Select(o => OrderSql(level, rel, alias, o)));
            if (depth > 0)
            {
                level.Limit = options.Limit;
                level.Offset = options.Offset;
            }
        }
        return level;
    }

    private void AddField(Level level, Relation rel, string alias, FieldItem f)
    {
        // Legacy `count` (e.g. `comments(count)`): a row count, allowed even with aggregates off, as PostgREST does.
        if (f.Aggregate is null && f.Cast is null && f.Field.Name == "count" && f.Field.Path.Count == 0
            && !rel.ColumnsByName.ContainsKey("count") && !rel.ComputedFields.ContainsKey("count"))
        {
            level.HasAggregate = true;
            level.Columns.Add($"pg_catalog.count(*) AS {Sql.Ident(f.Alias ?? "count")}");
            level.OutputNames.Add(f.Alias ?? "count");
            return;
        }
        if (f.Aggregate is not null && !settings.AggregatesEnabled)
            throw new RestException(400, "PGRST123", "Use of aggregate functions is not allowed", (string?)null);
        string expr;
        string name;
        if (f.Aggregate == "count" && f.Field.Name == "*")
        {
            expr = "pg_catalog.count(*)";
            name = f.Alias ?? "count";
        }
        else
        {
            expr = ColumnExpr(rel, alias, f.Field);
            if (f.Cast is not null) expr = $"CAST({expr} AS {Sql.CastType(f.Cast)})";
            name = f.Alias ?? (f.Aggregate ?? f.Field.DefaultAlias);
            if (f.Aggregate is not null)
            {
                expr = $"pg_catalog.{f.Aggregate}({expr})";
            }
            else
            {
                level.GroupBy.Add(expr);
            }
        }
        if (f.Aggregate is not null)
        {
            level.HasAggregate = true;
            if (f.AggregateCast is not null) expr = $"CAST({expr} AS {Sql.CastType(f.AggregateCast)})";
        }
        level.Columns.Add($"{expr} AS {Sql.Ident(name)}");
        level.OutputNames.Add(name);
    }

    private void AddEmbed(Level level, Relation parent, string parentAlias, EmbedItem embed, string path, int depth)
    {
        var rel = RelationshipResolver.Resolve(parent, embed.Relation, embed.Hint, schema);
        var childDepth = depth + 1;
        var childPath = path.Length == 0 ? embed.OutputName : path + "." + embed.OutputName;
        if (!_seenPaths.Add(childPath))
            throw new RestException(400, "PGRST100", $"\"failed to parse select parameter\"", $"'{embed.OutputName}' is embedded more than once; use an alias");
        var target = rel.Target;
        var childAlias = $"{target.Name}_{childDepth}";
        var lateralAlias = $"{parentAlias}_{embed.OutputName}_{childDepth}";
        var childSelect = embed.Select;
        if (embed.Spread)
            childSelect = childSelect.SelectMany(i => i is StarItem ? target.Columns.Select(c => (SelectItem)new FieldItem(Field.Of(c.Name), null, null)) : [i]).ToList();
        var child = BuildLevel(target, childAlias, childSelect, childPath, childDepth);
        // db-max-rows caps every node of the read, embeds included (PostgREST's treeRestrictRange); a to-one embed has
        // at most one row anyway.
        if (!rel.IsToOne && settings.MaxRows is { } max) child.Limit = child.Limit is { } l ? Math.Min(l, max) : max;

        var from = new StringBuilder(Sql.Qualified(target.Schema, target.Name)).Append(" AS ").Append(Sql.Ident(childAlias));
        var joinConds = new List<string>();
        if (rel.Computed is { } fn)
        {
            // Computed relationship: the function called with the parent row is the embed's source.
            from.Clear().Append(Sql.Qualified(fn.Schema, fn.Name)).Append('(').Append(Sql.Ident(parentAlias)).Append(".*) AS ").Append(Sql.Ident(childAlias));
        }
        else if (rel.Junction is { } j)
        {
            var jAlias = $"{j.Table.Name}_{childDepth}";
            var on = string.Join(" AND ", j.TargetColumns.Zip(rel.TargetColumns).Select(p =>
                $"{Sql.Ident(childAlias)}.{Sql.Ident(p.Second)} = {Sql.Ident(jAlias)}.{Sql.Ident(p.First)}"));
            from.Append(" INNER JOIN ").Append(Sql.Qualified(j.Table.Schema, j.Table.Name)).Append(" AS ").Append(Sql.Ident(jAlias)).Append(" ON ").Append(on);
            joinConds.AddRange(j.SourceColumns.Zip(rel.SourceColumns).Select(p =>
                $"{Sql.Ident(jAlias)}.{Sql.Ident(p.First)} = {Sql.Ident(parentAlias)}.{Sql.Ident(p.Second)}"));
        }
        else
        {
            joinConds.AddRange(rel.TargetColumns.Zip(rel.SourceColumns).Select(p =>
                $"{Sql.Ident(childAlias)}.{Sql.Ident(p.First)} = {Sql.Ident(parentAlias)}.{Sql.Ident(p.Second)}"));
        }
        if (child.Columns.Count == 0) child.Columns.Add("1 AS \"pgrst_exists\"");
        var inner = Compose(child, from.ToString(), joinConds);
        var lat = Sql.Ident(lateralAlias);
        // A to-many spread (v13) turns each spread column into an array of the related rows' values.
        var wrapped = rel.IsToOne
            ? $"(SELECT row_to_json({lat}.*)::jsonb AS {lat}, {lat}.* FROM ({inner}) AS {lat})"
            : embed.Spread
                ? $"(SELECT CASE WHEN pg_catalog.count(*) > 0 THEN true END AS {lat}" +
                  string.Concat(child.OutputNames.Select(n => $", json_agg({lat}.{Sql.Ident(n)})::jsonb AS {Sql.Ident(n)}")) +
                  $" FROM ({inner}) AS {lat})"
                : $"(SELECT json_agg({lat})::jsonb AS {lat} FROM ({inner}) AS {lat})";
        var isInner = embed.Join == JoinKind.Inner;
        var join = isInner
            ? $"INNER JOIN LATERAL {wrapped} AS {lat} ON {lat}.{lat} IS NOT NULL"
            : $"LEFT JOIN LATERAL {wrapped} AS {lat} ON TRUE";
        level.Joins.Add((join, isInner));
        level.Embeds[embed.OutputName] = new EmbedInfo(lateralAlias, rel, level.Joins.Count - 1, child.OutputNames);
        if (embed.Alias is not null && !level.Embeds.ContainsKey(embed.Relation))
            level.Embeds[embed.Relation] = level.Embeds[embed.OutputName];
    }

    private string ColumnExpr(Relation rel, string alias, Field field)
    {
        string expr;
        bool isJson;
        if (rel.ColumnsByName.TryGetValue(field.Name, out var column))
        {
            expr = Sql.Ident(alias) + "." + Sql.Ident(field.Name);
            isJson = column.IsJson;
        }
        else if (rel.ComputedFields.TryGetValue(field.Name, out var computed))
        {
            expr = $"{Sql.Qualified(computed.Schema, computed.Name)}({Sql.Ident(alias)})";
            isJson = computed.ReturnType is "json" or "jsonb";
        }
        else
        {
            throw new RestException(400, "42703", $"column {alias}.{field.Name} does not exist", (string?)null);
        }
        if (field.Path.Count == 0) return expr;
        if (!isJson) expr = $"to_jsonb({expr})";
        var sb = new StringBuilder(expr);
        foreach (var step in field.Path)
        {
            sb.Append(step.AsText ? "->>" : "->");
            sb.Append(IsInteger(step.Key) ? step.Key : Sql.Literal(step.Key));
        }
        return sb.ToString();
    }

    private static bool IsInteger(string s) =>
        s.Length > 0 && s.Length < 10 && (char.IsAsciiDigit(s[0]) || (s[0] == '-' && s.Length > 1)) && s.Skip(1).All(char.IsAsciiDigit);

    /// <summary>An ORDER BY list on <paramref name="rel"/>'s own columns (limited update/delete).</summary>
    public string OrderBySql(Level level, Relation rel, string alias, IEnumerable<OrderTerm> order) =>
        string.Join(", ", order.Select(o => OrderSql(level, rel, alias, o)));

    private string OrderSql(Level level, Relation rel, string alias, OrderTerm o)
    {
        string expr;
        if (o.Relation is not null)
        {
            if (!level.Embeds.TryGetValue(o.Relation, out var info))
                throw new RestException(400, "PGRST108", $"'{o.Relation}' is not an embedded resource in this request", (string?)null,
                    $"Verify that '{o.Relation}' is included in the 'select' query parameter.");
            if (!info.Relationship.IsToOne)
                throw new RestException(400, "PGRST118", $"A related order on '{o.Relation}' is not possible",
                    $"'{rel.Name}' and '{o.Relation}' do not form a many-to-one or one-to-one relationship", (string?)null);
            if (!info.Relationship.Target.ColumnsByName.ContainsKey(o.Field.Name) || !info.OutputNames.Contains(o.Field.Name))
                throw new RestException(400, "42703", $"column {info.LateralAlias}.{o.Field.Name} does not exist", (string?)null);
            expr = Sql.Ident(info.LateralAlias) + "." + Sql.Ident(o.Field.Name);
            if (o.Field.Path.Count > 0)
                expr = ColumnExpr(info.Relationship.Target, info.LateralAlias, o.Field);
        }
        else
        {
            expr = ColumnExpr(rel, alias, o.Field);
        }
        var sb = new StringBuilder(expr);
        sb.Append(o.Descending ? " DESC" : " ASC");
        if (o.NullsFirst is { } nf) sb.Append(nf ? " NULLS FIRST" : " NULLS LAST");
        return sb.ToString();
    }

    /// <summary>SQL for a filter or logic tree at one level. Also used by writes (level without embeds).</summary>
    public string ConditionSql(Level level, Relation rel, string alias, Condition condition)
    {
        switch (condition)
        {
            case LogicCondition logic:
                if (logic.Children.Count == 0) return logic.Negated ? "FALSE" : "TRUE";
                var parts = logic.Children.Select(c => ConditionSql(level, rel, alias, c));
                var joined = "(" + string.Join(logic.IsOr ? " OR " : " AND ", parts) + ")";
                return logic.Negated ? "NOT " + joined : joined;
            case EmbeddedCondition ec:
                throw new RestException(400, "PGRST100", "\"failed to parse logic tree\"",
                    $"Filtering on the columns of the embedded resource '{ec.EmbedPath}' inside a logic tree is not supported");
            case FilterCondition f:
                if (f.Field.Path.Count == 0 && !rel.ColumnsByName.ContainsKey(f.Field.Name) && !rel.ComputedFields.ContainsKey(f.Field.Name)
                    && level.Embeds.TryGetValue(f.Field.Name, out var embed))
                {
                    if (f.Op != FilterOp.Is || f.Value is not ("null" or "not_null"))
                        throw new RestException(400, "PGRST120", "Bad operator on the '" + f.Field.Name + "' embedded resource",
                            "Only is null or not is null filters are allowed on embedded resources", (string?)null);
                    var isNull = (f.Value == "null") != f.Negated;
                    var lat = Sql.Ident(embed.LateralAlias);
                    var joinSql = level.Joins[embed.JoinIndex].Sql;
                    level.Joins[embed.JoinIndex] = (joinSql, true);
                    return $"{lat}.{lat} IS {(isNull ? "" : "NOT ")}NULL";
                }
                var sql = FilterSql(rel, alias, f);
                return f.Negated ? "NOT " + sql : sql;
            default:
                throw new InvalidOperationException("Unknown condition " + condition.GetType().Name);
        }
    }

    private string FilterSql(Relation rel, string alias, FilterCondition f)
    {
        var lhs = ColumnExpr(rel, alias, f.Field);
        string Op(string op)
        {
            if (f.Quantifier == Quantifier.None)
            {
                var v = f.Op is FilterOp.Like or FilterOp.Ilike ? f.Value.Replace('*', '%') : f.Value;
                return $"{lhs} {op} {parameters.Add(v)}";
            }
            var items = f.List!.Select(i => f.Op is FilterOp.Like or FilterOp.Ilike ? i.Replace('*', '%') : i);
            return $"{lhs} {op} {(f.Quantifier == Quantifier.Any ? "ANY" : "ALL")}({parameters.Add(Sql.ArrayLiteral(items))})";
        }
        switch (f.Op)
        {
            case FilterOp.Eq: return Op("=");
            case FilterOp.Neq: return Op("<>");
            case FilterOp.Gt: return Op(">");
            case FilterOp.Gte: return Op(">=");
            case FilterOp.Lt: return Op("<");
            case FilterOp.Lte: return Op("<=");
            case FilterOp.Like: return Op("LIKE");
            case FilterOp.Ilike: return Op("ILIKE");
            case FilterOp.Match: return Op("~");
            case FilterOp.Imatch: return Op("~*");
            case FilterOp.In: return $"{lhs} = ANY({parameters.Add(Sql.ArrayLiteral(f.List!))})";
            case FilterOp.Is:
                return f.Value switch
                {
                    "null" => $"{lhs} IS NULL",
                    "not_null" => $"{lhs} IS NOT NULL",
                    "true" => $"{lhs} IS TRUE",
                    "false" => $"{lhs} IS FALSE",
                    _ => $"{lhs} IS UNKNOWN",
                };
            case FilterOp.IsDistinct: return $"{lhs} IS DISTINCT FROM {parameters.Add(f.Value)}";
            case FilterOp.Fts or FilterOp.Plfts or FilterOp.Phfts or FilterOp.Wfts:
                var fn = f.Op switch
                {
                    FilterOp.Fts => "to_tsquery",
                    FilterOp.Plfts => "plainto_tsquery",
                    FilterOp.Phfts => "phraseto_tsquery",
                    _ => "websearch_to_tsquery",
                };
                var lang = f.Language is null ? "" : parameters.Add(f.Language) + "::regconfig, ";
                var isVector = f.Field.Path.Count == 0 && rel.ColumnsByName.TryGetValue(f.Field.Name, out var ftsColumn) && ftsColumn.Type == "tsvector";
                var target = isVector ? lhs : $"to_tsvector({lang}{lhs})";
                return $"{target} @@ {fn}({lang}{parameters.Add(f.Value)})";
            case FilterOp.Cs: return Op("@>");
            case FilterOp.Cd: return Op("<@");
            case FilterOp.Ov: return Op("&&");
            case FilterOp.Sl: return Op("<<");
            case FilterOp.Sr: return Op(">>");
            case FilterOp.Nxr: return Op("&<");
            case FilterOp.Nxl: return Op("&>");
            case FilterOp.Adj: return Op("-|-");
            default: throw new InvalidOperationException("Unknown operator " + f.Op);
        }
    }
}
