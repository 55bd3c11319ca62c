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
        var query = req.ParseQuery();
        var payload = WriteStatement.ParseBody(await WriteResponses.ReadBodyAsync(http).ConfigureAwait(false), query.Columns, allowArray: false,
            trackPresentKeys: req.Prefer.Missing == "default");
        await FilteredWrite.RunAsync(req, relation, query, MediaType.Negotiate(http.Request), (cache, rel, p) =>
        {
            WriteStatement.CheckColumns(rel, payload.Columns);
            var table = Sql.Sql.Qualified(rel.Schema, rel.Name);
            var alias = Sql.Sql.Ident(rel.Name);
            // {} updates nothing (PostgREST): an empty result of the relation's row type.
            if (payload.Columns.Count == 0) return $"SELECT {alias}.* FROM {table} AS {alias} WHERE FALSE";
            var body = p.AddJson(payload.ArrayJson);
            // With missing=default, a column named in columns= but absent from the body is set to its default.
            if (payload.PresentKeys is not null && !req.Prefer.Applied.Contains("missing=default")) req.Prefer.Applied.Add("missing=default");
            var sets = string.Join(", ", payload.Columns.Select(c => payload.PresentKeys is { } present && !present.Contains(c)
                ? $"{Sql.Sql.Ident(c)} = DEFAULT" : $"{Sql.Sql.Ident(c)} = pgrst_body.{Sql.Sql.Ident(c)}"));
            return $"UPDATE {table} AS {alias} SET {sets} FROM (SELECT * FROM json_populate_recordset(NULL::{table}, {body}) LIMIT 1) AS pgrst_body" +
                   WriteStatement.Where(req, cache, rel, query, p) + $" RETURNING {alias}.*";
        }).ConfigureAwait(false);
    });
}
