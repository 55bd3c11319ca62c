using System.Text.Json;
using Supacs.Rest.Http;
using Supacs.Rest.Query;
using Supacs.Rest.Schema;

namespace Supacs.Rest.Sql;

/// <summary>
/// INSERT / UPDATE / DELETE as one statement: the DML in <c>pgrst_source</c> (RETURNING the rows), then the
/// representation built from it with select= (embeds too). The body is one JSON parameter.
/// </summary>
internal static class WriteStatement
{
    /// <param name="PresentKeys">With <c>columns=</c> and tracking asked for: the keys at least one object has.</param>
    internal sealed record Payload(string ArrayJson, IReadOnlyList<string> Columns, int Rows, IReadOnlySet<string>? PresentKeys = null);

    /// <summary>Validates a JSON body for insert (object or array) or update (object); PGRST102 on bad input.</summary>
    public static Payload ParseBody(string body, IReadOnlyList<string>? columns, bool allowArray, bool trackPresentKeys = false)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body.Length == 0 ? "{}" : body);
        }
        catch (JsonException)
        {
            throw new RestException(400, "PGRST102", "Empty or invalid json", (string?)null);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                var keys = columns ?? root.EnumerateObject().Select(p => p.Name).Distinct().ToList();
                return new Payload("[" + root.GetRawText() + "]", keys, 1,
                    columns is not null && trackPresentKeys ? root.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal) : null);
            }
            if (root.ValueKind != JsonValueKind.Array || !allowArray)
                throw new RestException(400, "PGRST102", "Empty or invalid json", (string?)null);
            var items = root.EnumerateArray().ToList();
            if (items.Any(i => i.ValueKind != JsonValueKind.Object))
                throw new RestException(400, "PGRST102", "Empty or invalid json", (string?)null);
            if (columns is not null)
                return new Payload(root.GetRawText(), columns, items.Count,
                    trackPresentKeys ? items.SelectMany(i => i.EnumerateObject().Select(p => p.Name)).ToHashSet(StringComparer.Ordinal) : null);
            var first = items.Count == 0 ? [] : items[0].EnumerateObject().Select(p => p.Name).Distinct().ToList();
            var set = new HashSet<string>(first, StringComparer.Ordinal);
            foreach (var item in items.Skip(1))
            {
                var k = item.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
                if (!k.SetEquals(set)) throw new RestException(400, "PGRST102", "All object keys must match", (string?)null);
            }
            return new Payload(root.GetRawText(), first, items.Count);
        }
    }

    public static void CheckColumns(Relation rel, IEnumerable<string> columns)
    {
        foreach (var c in columns)
            if (!rel.ColumnsByName.ContainsKey(c))
                throw new RestException(400, "PGRST204", $"Could not find the '{c}' column of '{rel.Name}' in the schema cache", (string?)null);
    }

    /// <summary>
    /// An upsert into a view counts inserted rows in a transaction-local setting, as PostgREST does (a view has no
    /// <c>xmax</c>): the INSERT's source rows pass <see cref="CountInsertAttempt"/> (one up each) and the ON CONFLICT
    /// DO UPDATE passes <see cref="CountConflictUpdate"/> (one down per row that updated instead); both are always true.
    /// </summary>
    public const string CountInsertAttempt =
        "pg_catalog.set_config('pgrst.inserted', (coalesce(nullif(pg_catalog.current_setting('pgrst.inserted', true), '')::int, 0) + 1)::text, true) <> '0'";

    /// <inheritdoc cref="CountInsertAttempt"/>
    public const string CountConflictUpdate =
        "pg_catalog.set_config('pgrst.inserted', (coalesce(nullif(pg_catalog.current_setting('pgrst.inserted', true), '')::int, 0) - 1)::text, true) <> '-1'";

    /// <summary>The rows counted by <see cref="CountInsertAttempt"/>, read once every row of the DML is through.</summary>
    public const string InsertedBySetting =
        "(SELECT coalesce(nullif(pg_catalog.current_setting('pgrst.inserted', true), '')::bigint, 0) FROM (SELECT pg_catalog.count(*) FROM pgrst_source) AS pgrst_done)";

    /// <summary>
    /// Builds the final statement around a DML that RETURNs the rows of <paramref name="rel"/> as <c>alias.*</c>.
    /// With <paramref name="inserted"/> the DML also returns <c>pgrst_inserted</c> (bool) per row, counted into
    /// <see cref="Http.StatementResult.Inserted"/> (an upsert answers 200 when it inserted nothing); or
    /// <paramref name="insertedSql"/> counts them otherwise (<see cref="InsertedBySetting"/>).
    /// </summary>
    public static PlannedStatement Finish(RestRequest req, SchemaCache cache, Relation rel, string dml, ApiQuery query,
        MediaType media, SqlParams parameters, bool withBody, bool inserted = false, string? insertedSql = null)
    {
        var alias = rel.Name;
        // Filters went into the DML; the representation reads every returned row.
        query.Top.Conditions.Clear();
        query.Top.Limit = null;
        query.Top.Offset = null;
        var builder = new ReadBuilder(req.Schema, parameters, req.Settings with { MaxRows = null }, query);
        var level = builder.BuildTop(rel, alias, null, null);
        level.Offset = null;
        var source = inserted
            ? $"(SELECT {string.Join(", ", rel.Columns.Select(c => Sql.Ident(c.Name)))} FROM pgrst_source) AS {Sql.Ident(alias)}"
            : "pgrst_source AS " + Sql.Ident(alias);
        var read = ReadBuilder.Compose(level, source);
        var total = req.Prefer.Count == CountPreference.None ? "NULL::bigint" : "(SELECT pg_catalog.count(*) FROM pgrst_source)";
        if (req.Prefer.Count != CountPreference.None) req.Prefer.Applied.Add("count=" + req.Prefer.Count.ToString().ToLowerInvariant());
        media = media.Resolve(cache, Media.MediaTarget.For(req, rel.Oid, 0, query)).Remember(req.Http);
        var body = withBody ? media.BodySql(source: "pgrst_read") : "NULL::text";
        var sql = StatementRunner.Wrap($"pgrst_source AS ({dml}), pgrst_read AS ({read})", total, body, "(SELECT * FROM pgrst_read) _postgrest_t",
            inserted ? "(SELECT pg_catalog.count(*) FROM pgrst_source WHERE pgrst_inserted)" : insertedSql ?? "NULL::bigint");
        return new PlannedStatement(sql, parameters, 0) { Media = media };
    }

    /// <summary>
    /// WHERE clause of an UPDATE/DELETE from the top-level filters (no embeds in writes). With <c>limit</c>/<c>offset</c>
    /// (PostgREST v12's limited update/delete, tables only) it picks the rows by <c>ctid</c> among the first ones in
    /// the required <c>order</c> (<c>PGRST109</c> without one).
    /// </summary>
    public static string Where(RestRequest req, SchemaCache cache, Relation rel, ApiQuery query, SqlParams parameters)
    {
        var builder = new ReadBuilder(req.Schema, parameters, req.Settings, query);
        var level = new ReadBuilder.Level();
        var parts = query.Top.Conditions.Select(c => builder.ConditionSql(level, rel, rel.Name, c)).ToList();
        var where = parts.Count == 0 ? "" : " WHERE " + string.Join(" AND ", parts);
        var top = query.Top;
        if (top.Limit is null && top.Offset is null) return where;
        if (top.Order is not { Count: > 0 } order)
            throw new RestException(400, "PGRST109", "A 'limit' was applied without an explicit 'order'", (string?)null,
                "Apply an 'order' using unique column(s)");
        var alias = Sql.Ident(rel.Name);
        var paging = (top.Limit is { } l ? " LIMIT " + l.ToString(System.Globalization.CultureInfo.InvariantCulture) : "") +
                     (top.Offset is { } o ? " OFFSET " + o.ToString(System.Globalization.CultureInfo.InvariantCulture) : "");
        return $" WHERE {alias}.ctid = ANY(ARRAY(SELECT {alias}.ctid FROM {Sql.Qualified(rel.Schema, rel.Name)} AS {alias}{where}" +
               $" ORDER BY {builder.OrderBySql(level, rel, rel.Name, order)}{paging}))";
    }
}
