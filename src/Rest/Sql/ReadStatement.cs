using Supacs.Rest.Http;
using Supacs.Rest.Query;
using Supacs.Rest.Schema;

namespace Supacs.Rest.Sql;

/// <summary>A complete statement for a read (table, view or function rows) with its parameters.</summary>
internal sealed record PlannedStatement(string Sql, SqlParams Parameters, long Offset)
{
    /// <summary><c>EXPLAIN (FORMAT JSON)</c> of the unpaged source, for planned/estimated counts; same parameters.</summary>
    public string? ExplainSql { get; init; }

    /// <summary>For estimated counts: exact totals up to this many rows, the planner's estimate above.</summary>
    public long? EstimateThreshold { get; init; }

    /// <summary>The media type the body was built for, once resolved against the schema cache's handlers.</summary>
    public MediaType? Media { get; init; }
}

internal static class ReadStatement
{
    /// <summary>The one selected column a raw media type (text/plain, octet-stream, xml) is made of (else 406).</summary>
    public static string SingleColumn(ReadBuilder.Level level, MediaType media) => level.OutputNames.Count == 1
        ? level.OutputNames[0]
        : throw new RestException(406, "PGRST107", "None of these media types are available: " + media.RawMime, (string?)null,
            "A raw media type needs exactly one selected column");

    /// <summary>
    /// <c>WITH pgrst_source AS (SELECT … FROM from …) SELECT total, page_total, body, gucs FROM …</c>.
    /// <paramref name="fromSql"/> is the FROM item with its alias (a table, or a function call).
    /// </summary>
    public static PlannedStatement Build(RestRequest req, SchemaCache cache, Relation rel, string alias, string fromSql,
        ApiQuery query, MediaType media, SqlParams parameters, bool withBody, long? rangeOffset, long? rangeLimit, string ctes = "")
    {
        media = media.Resolve(cache, Media.MediaTarget.For(req, rel.Oid, 0, query)).Remember(req.Http);
        var builder = new ReadBuilder(req.Schema, parameters, req.Settings, query);
        var level = builder.BuildTop(rel, alias, rangeOffset, rangeLimit);
        var source = ReadBuilder.Compose(level, fromSql);
        var count = req.Prefer.Count;
        // Planned/estimated counts use the planner's row estimate of the unpaged query (not for RPC, whose
        // arguments live in a CTE the EXPLAIN would not see).
        string? explain = null;
        long? threshold = null;
        if (count is CountPreference.Planned or CountPreference.Estimated && ctes.Length == 0)
        {
            var (limit, offset) = (level.Limit, level.Offset);
            level.Limit = null;
            level.Offset = null;
            explain = "EXPLAIN (FORMAT JSON) " + ReadBuilder.Compose(level, fromSql);
            (level.Limit, level.Offset) = (limit, offset);
            if (count == CountPreference.Estimated) threshold = req.Settings.MaxRows ?? 1000;
        }
        var total = count == CountPreference.None || (count == CountPreference.Planned && explain is not null)
            ? "NULL::bigint"
            : threshold is { } max
                ? $"(SELECT pg_catalog.count(*) FROM ({ReadBuilder.Compose(level, fromSql, forCount: true)} LIMIT {max + 1}) _pgrst_count)"
                : $"(SELECT pg_catalog.count(*) FROM ({ReadBuilder.Compose(level, fromSql, forCount: true)}) _pgrst_count)";
        if (count != CountPreference.None) req.Prefer.Applied.Add("count=" + count.ToString().ToLowerInvariant());
        var body = !withBody ? "NULL::text"
            : media.Kind == MediaKind.Raw ? media.BodySql("_postgrest_t." + Sql.Ident(SingleColumn(level, media)))
            : media.BodySql();
        var sql = StatementRunner.Wrap(ctes + "pgrst_source AS (" + source + ")", total, body);
        return new PlannedStatement(sql, parameters, level.Offset ?? 0) { ExplainSql = explain, EstimateThreshold = threshold, Media = media };
    }
}
