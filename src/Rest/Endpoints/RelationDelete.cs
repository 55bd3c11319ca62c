using Microsoft.AspNetCore.Http;
using Supacs.Rest.Http;
using Supacs.Rest.Sql;

namespace Supacs.Rest.Endpoints;

/// <summary>DELETE /rest/v1/{relation}: delete the rows the filters match.</summary>
internal static class RelationDelete
{
    public static Task HandleAsync(HttpContext http, string relation) => RestResponses.HandleAsync(http, async () =>
    {
        var req = await RestRequest.CreateAsync(http).ConfigureAwait(false);
        var media = MediaType.Negotiate(http.Request);
        var query = req.ParseQuery();
        var plan = await req.WithCacheRetryAsync(cache =>
        {
            var rel = req.FindRelation(cache, relation);
            var p = new SqlParams();
            var table = Sql.Sql.Qualified(rel.Schema, rel.Name);
            var alias = Sql.Sql.Ident(rel.Name);
            var dml = $"DELETE FROM {table} AS {alias}{WriteStatement.Where(req, cache, rel, query, p)} RETURNING {alias}.*";
            return WriteStatement.Finish(req, cache, rel, dml, query, media, p, req.Prefer.Return == ReturnPreference.Representation);
        }).ConfigureAwait(false);
        var result = await StatementRunner.RunAsync(req, plan.Sql, plan.Parameters, readOnly: false,
            req.Prefer.WriteCheck(media, req.Prefer.Return == ReturnPreference.Representation)).ConfigureAwait(false);
        if (req.Prefer.Handling == "strict" && req.Prefer.MaxAffected is { } maxAffected)
            req.Prefer.Applied.AddRange(["handling=strict", "max-affected=" + maxAffected]);
        await WriteResponses.WriteAsync(req, media, result, 200, 204).ConfigureAwait(false);
    });
}
