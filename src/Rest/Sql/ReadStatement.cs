using Supacs.Rest.Http;
using Supacs.Rest.Query;
using Supacs.Rest.Schema;

namespace Supacs.Rest.Sql;

/// <summary>A complete statement for a read (table, view or function rows) with its parameters.</summary>
internal sealed record PlannedStatement(string Sql, SqlParams Parameters, long Offset);

internal static class ReadStatement
{
    /// <summary>
    /// <c>WITH pgrst_source AS (SELECT … FROM from …) SELECT total, page_total, body, gucs FROM …</c>.
    /// <paramref name="fromSql"/> is the FROM item with its alias (a table, or a function call).
    /// </summary>
    public static PlannedStatement Build(RestRequest req, SchemaCache cache, Relation rel, string alias, string fromSql,
        ApiQuery query, MediaType media, SqlParams parameters, bool withBody, long? rangeOffset, long? rangeLimit, string ctes = "")
    {
        var builder = new ReadBuilder(req.Schema, parameters, req.Settings, query);
        var level = builder.BuildTop(rel, alias, rangeOffset, rangeLimit);
        var source = ReadBuilder.Compose(level, fromSql);
        var total = req.Prefer.Count == CountPreference.None
            ? "NULL::bigint"
            : $"(SELECT pg_catalog.count(*) FROM ({ReadBuilder.Compose(level, fromSql, forCount: true)}) _pgrst_count)";
        if (req.Prefer.Count != CountPreference.None) req.Prefer.Applied.Add("count=" + req.Prefer.Count.ToString().ToLowerInvariant());
        var body = withBody ? media.BodySql() : "NULL::text";
        var sql = StatementRunner.Wrap(ctes + "pgrst_source AS (" + source + ")", total, body);
        return new PlannedStatement(sql, parameters, level.Offset ?? 0);
    }
}
