using Microsoft.AspNetCore.Http;
using Supacs.Rest.Http;
using Supacs.Rest.Sql;

namespace Supacs.Rest.Endpoints;

/// <summary>PATCH /rest/v1/{relation}: set the body's columns on every row the filters match.</summary>
internal static class RelationUpdate
{
    public static Task HandleAsync(HttpContext http, string relation) => RestResponses.HandleAsync(http, async () =>
    {
        var req = await RestRequest.CreateAsync(http).ConfigureAwait(false);
        var media = MediaType.Negotiate(http.Request);
        var query = req.ParseQuery();
        var payload = WriteStatement.ParseBody(await WriteResponses.ReadBodyAsync(http).ConfigureAwait(false), query.Columns, allowArray: false);
        var plan = await req.WithCacheRetryAsync(cache =>
        {
            var rel = req.FindRelation(cache, relation);
            WriteStatement.CheckColumns(rel, payload.Columns);
            var p = new SqlParams();
            var table = Sql.Sql.Qualified(rel.Schema, rel.Name);
            var alias = Sql.Sql.Ident(rel.Name);
            string dml;
            if (payload.Columns.Count == 0)
            {
                dml = $"SELECT {alias}.* FROM {table} AS {alias} WHERE FALSE";
            }
            else
            {
                var body = p.AddJson(payload.ArrayJson);
                var sets = string.Join(", ", payload.Columns.Select(c => $"{Sql.Sql.Ident(c)} = pgrst_body.{Sql.Sql.Ident(c)}"));
                var where = WriteStatement.Where(req, cache, rel, query, p);
                dml = $"UPDATE {table} AS {alias} SET {sets} FROM (SELECT * FROM json_populate_recordset(NULL::{table}, {body}) LIMIT 1) AS pgrst_body" +
                      where + $" RETURNING {alias}.*";
            }
            return WriteStatement.Finish(req, cache, rel, dml, query, media, p, req.Prefer.Return == ReturnPreference.Representation);
        }).ConfigureAwait(false);
        var result = await StatementRunner.RunAsync(req, plan.Sql, plan.Parameters, readOnly: false,
            req.Prefer.WriteCheck(media, req.Prefer.Return == ReturnPreference.Representation)).ConfigureAwait(false);
        if (req.Prefer.Handling == "strict" && req.Prefer.MaxAffected is { } maxAffected)
            req.Prefer.Applied.AddRange(["handling=strict", "max-affected=" + maxAffected]);
        await WriteResponses.WriteAsync(req, media, result, 200, 204).ConfigureAwait(false);
    });
}
