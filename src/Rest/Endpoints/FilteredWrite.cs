using Supacs.Rest.Http;
using Supacs.Rest.Query;
using Supacs.Rest.Schema;
using Supacs.Rest.Sql;

namespace Supacs.Rest.Endpoints;

/// <summary>
/// What PATCH and DELETE share — everything but their DML: the relation lookup, the representation built from the
/// RETURNING rows, the max-affected / singular checks deciding commit or rollback, and the 200/204 response.
/// </summary>
internal static class FilteredWrite
{
    /// <summary>Builds the DML (<c>… RETURNING alias.*</c>) for <paramref name="rel"/>; values go to the parameters.</summary>
    public delegate string DmlBuilder(SchemaCache cache, Relation rel, SqlParams parameters);

    public static async Task RunAsync(RestRequest req, string relation, ApiQuery query, MediaType media, DmlBuilder buildDml)
    {
        var representation = req.Prefer.Return == ReturnPreference.Representation;
        var plan = await req.WithCacheRetryAsync(cache =>
        {
            var rel = req.FindRelation(cache, relation);
            var p = new SqlParams();
            return WriteStatement.Finish(req, cache, rel, buildDml(cache, rel, p), query, media, p, representation);
        }).ConfigureAwait(false);
        media = plan.Media ?? media;
        var result = await StatementRunner.RunAsync(req, plan.Sql, plan.Parameters, readOnly: false,
            req.Prefer.WriteCheck(media, representation)).ConfigureAwait(false);
        if (req.Prefer.Handling == "strict" && req.Prefer.MaxAffected is { } maxAffected)
            req.Prefer.Applied.AddRange(["handling=strict", "max-affected=" + maxAffected]);
        await WriteResponses.WriteAsync(req, media, result, 200, 204).ConfigureAwait(false);
    }
}
