using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Supacs.Rest.Http;
using Supacs.Rest.Query;
using Supacs.Rest.Sql;

namespace Supacs.Rest.Endpoints;

/// <summary>PUT /rest/v1/{relation}?pk=eq.v: single-row upsert keyed by the whole primary key.</summary>
internal static class RelationPut
{
    public static Task HandleAsync(HttpContext http, string relation) => RestResponses.HandleAsync(http, async () =>
    {
        var req = await RestRequest.CreateAsync(http).ConfigureAwait(false);
        var media = MediaType.Negotiate(http.Request);
        var query = req.ParseQuery();
        if (query.Top.Limit is not null || query.Top.Offset is not null)
            throw new RestException(400, "PGRST114", "limit/offset querystring parameters are not allowed for PUT", (string?)null);
        var raw = await WriteResponses.ReadBodyAsync(http).ConfigureAwait(false);
        var payload = WriteStatement.ParseBody(FirstElement(raw), query.Columns, allowArray: false);
        var plan = await req.WithCacheRetryAsync(cache =>
        {
            var rel = req.FindRelation(cache, relation);
            var filters = query.Top.Conditions.OfType<FilterCondition>().ToList();
            var pkFilters = filters.Where(f => f.Op == FilterOp.Eq && !f.Negated && f.Field.Path.Count == 0).ToDictionary(f => f.Field.Name, f => f.Value);
            if (rel.PrimaryKey.Count == 0 || filters.Count != query.Top.Conditions.Count || pkFilters.Count != filters.Count
                || pkFilters.Count != rel.PrimaryKey.Count || !rel.PrimaryKey.All(pkFilters.ContainsKey))
                throw new RestException(405, "PGRST105", "Filters must include all and only primary key columns with 'eq' operators", (string?)null);
            WriteStatement.CheckColumns(rel, payload.Columns);
            using (var doc = JsonDocument.Parse(payload.ArrayJson))
            {
                var row = doc.RootElement[0];
                foreach (var k in rel.PrimaryKey)
                {
                    var v = row.TryGetProperty(k, out var e) ? (e.ValueKind == JsonValueKind.String ? e.GetString() : e.GetRawText()) : null;
                    if (v != pkFilters[k])
                        throw new RestException(400, "PGRST115", "Payload values do not match URL in primary key column(s)", (string?)null);
                }
            }
            var p = new SqlParams();
            var body = p.AddJson(payload.ArrayJson);
            var table = Sql.Sql.Qualified(rel.Schema, rel.Name);
            var cols = string.Join(", ", payload.Columns.Select(Sql.Sql.Ident));
            // 201 when the row was inserted, 200/204 when it replaced one: xmax = 0 marks an inserted table row; a view
            // has no xmax, so the row offered counts one up and a conflict that updated counts one down (PostgREST's way).
            var countBySetting = rel.Kind == 'v';
            var dml = new StringBuilder($"INSERT INTO {table} AS {Sql.Sql.Ident(rel.Name)} ({cols}) SELECT {cols} FROM json_populate_recordset(NULL::{table}, {body}) AS pgrst_body");
            if (countBySetting) dml.Append(" WHERE ").Append(WriteStatement.CountInsertAttempt);
            var updates = payload.Columns.Select(c => $"{Sql.Sql.Ident(c)} = EXCLUDED.{Sql.Sql.Ident(c)}");
            dml.Append($" ON CONFLICT ({string.Join(", ", rel.PrimaryKey.Select(Sql.Sql.Ident))}) DO UPDATE SET {string.Join(", ", updates)}");
            if (countBySetting) dml.Append(" WHERE ").Append(WriteStatement.CountConflictUpdate);
            var countInserted = !countBySetting && rel.Kind != 'f';
            dml.Append($" RETURNING {Sql.Sql.Ident(rel.Name)}.*");
            if (countInserted) dml.Append($", ({Sql.Sql.Ident(rel.Name)}.xmax = 0) AS pgrst_inserted");
            return WriteStatement.Finish(req, cache, rel, dml.ToString(), query, media, p, req.Prefer.Return == ReturnPreference.Representation, countInserted,
                countBySetting ? WriteStatement.InsertedBySetting : null);
        }).ConfigureAwait(false);
        media = plan.Media ?? media;
        var result = await StatementRunner.RunAsync(req, plan.Sql, plan.Parameters, readOnly: false,
            req.Prefer.Return == ReturnPreference.Representation ? media.SingularCheck : null).ConfigureAwait(false);
        // As PostgREST: with the representation 201 (inserted) or 200 (replaced); without it always 204.
        await WriteResponses.WriteAsync(req, media, result, result.Inserted > 0 ? 201 : 200, 204).ConfigureAwait(false);
    });

    /// <summary>PostgREST takes an array body for PUT too (its examples send <c>[{…}]</c>) and puts the first element only.</summary>
    private static string FirstElement(string body)
    {
        var text = body.AsSpan().TrimStart();
        if (text.Length == 0 || text[0] != '[') return body;
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.GetArrayLength() == 0)
                throw new RestException(400, "PGRST115", "Payload values do not match URL in primary key column(s)", (string?)null);
            return doc.RootElement[0].GetRawText();
        }
        catch (JsonException)
        {
            return body; // ParseBody answers PGRST102
        }
    }
}
