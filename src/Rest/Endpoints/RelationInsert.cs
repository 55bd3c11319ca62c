using System.Text;
using Microsoft.AspNetCore.Http;
using Supacs.Rest.Http;
using Supacs.Rest.Sql;

namespace Supacs.Rest.Endpoints;

/// <summary>POST /rest/v1/{relation}: insert an object or array (JSON, CSV, form), upsert with Prefer resolution.</summary>
internal static class RelationInsert
{
    public static Task HandleAsync(HttpContext http, string relation) => RestResponses.HandleAsync(http, async () =>
    {
        var req = await RestRequest.CreateAsync(http).ConfigureAwait(false);
        var media = MediaType.Negotiate(http.Request);
        var query = req.ParseQuery();
        var payload = WriteStatement.ParseBody(await WriteResponses.ReadBodyAsync(http).ConfigureAwait(false), query.Columns, allowArray: true,
            trackPresentKeys: req.Prefer.Missing == "default");
        var headersOnly = req.Prefer.Return == ReturnPreference.HeadersOnly;
        Schema.Relation? target = null;
        var plan = await req.WithCacheRetryAsync(cache =>
        {
            var rel = target = req.FindRelation(cache, relation);
            WriteStatement.CheckColumns(rel, payload.Columns);
            var p = new SqlParams();
            var body = p.AddJson(payload.ArrayJson);
            var table = Sql.Sql.Qualified(rel.Schema, rel.Name);
            var columns = payload.Columns;
            if (req.Prefer.Missing == "default" && payload.PresentKeys is { } present)
            {
                // A GENERATED ALWAYS column (identity or expression) takes no value but DEFAULT: when no object
                // has its key, leave it out so PostgreSQL generates it; a given value still fails as in PostgreSQL.
                columns = columns.Where(c => present.Contains(c) || !rel.ColumnsByName[c].AlwaysGenerated).ToList();
            }
            var cols = string.Join(", ", columns.Select(Sql.Sql.Ident));
            var dml = new StringBuilder($"INSERT INTO {table} AS {Sql.Sql.Ident(rel.Name)}");
            if (columns.Count > 0) dml.Append(" (").Append(cols).Append(')');
            if (req.Prefer.Missing == "default" && payload.Columns.Count > 0)
            {
                // Keys absent from an object take the column default (evaluated per row), not NULL; an identity
                // column's default is the next value of its sequence (PostgREST's column_default for identities).
                req.Prefer.Applied.Add("missing=default");
                var values = columns.Select(c => rel.ColumnsByName[c].Default is { } d
                    ? $"CASE WHEN pgrst_elem ? {Sql.Sql.Literal(c)} THEN pgrst_row.{Sql.Sql.Ident(c)} ELSE {d} END"
                    : $"pgrst_row.{Sql.Sql.Ident(c)}");
                dml.Append(" SELECT ").Append(string.Join(", ", values))
                   .Append($" FROM jsonb_array_elements({body}::jsonb) AS pgrst_elem, LATERAL jsonb_populate_record(NULL::{table}, pgrst_elem) AS pgrst_row");
            }
            else
            {
                dml.Append(" SELECT ").Append(payload.Columns.Count > 0 ? cols : "")
                   .Append($" FROM json_populate_recordset(NULL::{table}, {body}) AS pgrst_body");
            }
            // The conflict target is on_conflict, else the primary key (a view's is derived from its base tables).
            // With neither, PostgREST sends a plain INSERT and does not report the resolution as applied.
            var resolution = req.Prefer.Resolution;
            var conflict = query.OnConflict ?? rel.PrimaryKey;
            if (resolution is not null && conflict.Count == 0) resolution = null;
            var updates = columns.Select(c => $"{Sql.Sql.Ident(c)} = EXCLUDED.{Sql.Sql.Ident(c)}").ToList();
            var merge = resolution == "merge-duplicates" && updates.Count > 0;
            // A merge-duplicates upsert that inserted nothing answers 200 (v12; ignore-duplicates always 201), so its
            // inserted rows are counted: in a table xmax = 0 marks them; a view has no xmax, so (as PostgREST does)
            // each row offered counts one up and each conflict that updated counts one down.
            var countByXmax = merge && rel.Kind != 'v';
            var countBySetting = merge && rel.Kind == 'v';
            if (countBySetting) dml.Append(" WHERE ").Append(WriteStatement.CountInsertAttempt);
            if (resolution is not null)
            {
                WriteStatement.CheckColumns(rel, conflict);
                req.Prefer.Applied.Add("resolution=" + resolution);
                dml.Append($" ON CONFLICT ({string.Join(", ", conflict.Select(Sql.Sql.Ident))}) ");
                dml.Append(merge ? "DO UPDATE SET " + string.Join(", ", updates) : "DO NOTHING");
                if (countBySetting) dml.Append(" WHERE ").Append(WriteStatement.CountConflictUpdate);
            }
            // merge-duplicates with no column to update is DO NOTHING: every returned row was inserted.
            var countInserted = resolution == "merge-duplicates" && !countBySetting;
            dml.Append($" RETURNING {Sql.Sql.Ident(rel.Name)}.*");
            if (countInserted)
                dml.Append(countByXmax ? $", ({Sql.Sql.Ident(rel.Name)}.xmax = 0) AS pgrst_inserted" : ", true AS pgrst_inserted");
            // headers-only answers no body, but the Accept must still be producible (PGRST107), as in PostgREST.
            if (headersOnly) media.Resolve(cache, Media.MediaTarget.For(req, rel.Oid, 0, query));
            if (headersOnly && rel.PrimaryKey.Count > 0)
            {
                // The key columns in the relation's column order, as PostgREST's Location lists them.
                query.Select = rel.Columns.Where(c => rel.PrimaryKey.Contains(c.Name))
                    .Select(c => (Query.SelectItem)new Query.FieldItem(Query.Field.Of(c.Name), null, null)).ToList();
            }
            var wantBody = req.Prefer.Return == ReturnPreference.Representation || headersOnly;
            return WriteStatement.Finish(req, cache, rel, dml.ToString(), query, headersOnly ? new MediaType(MediaKind.Json, false) : media, p, wantBody, countInserted,
                countBySetting ? WriteStatement.InsertedBySetting : null);
        }).ConfigureAwait(false);
        if (!headersOnly) media = plan.Media ?? media;
        var result = await StatementRunner.RunAsync(req, plan.Sql, plan.Parameters, readOnly: false,
            req.Prefer.Return == ReturnPreference.Representation ? media.SingularCheck : null).ConfigureAwait(false);
        string? location = null;
        if (headersOnly && target is { PrimaryKey.Count: > 0 } && result.Body is { } b)
        {
            using var doc = System.Text.Json.JsonDocument.Parse(b);
            // As PostgREST: a Location only when exactly one row was inserted.
            if (doc.RootElement.ValueKind == System.Text.Json.JsonValueKind.Array && doc.RootElement.GetArrayLength() == 1)
            {
                location = "/" + relation + "?" + string.Join("&", doc.RootElement[0].EnumerateObject().Select(p =>
                    QueryEncode(p.Name) + "=" + (p.Value.ValueKind switch
                    {
                        System.Text.Json.JsonValueKind.Null => "is.null",
                        System.Text.Json.JsonValueKind.String => QueryEncode("eq." + p.Value.GetString()),
                        _ => QueryEncode("eq." + p.Value.GetRawText()),
                    })));
            }
        }
        var status = result.Inserted == 0 ? 200 : 201;
        await WriteResponses.WriteAsync(req, media, result, status, status, location).ConfigureAwait(false);
    });

    /// <summary>Percent-encoding of a query string as PostgREST renders its Location (http-types' urlEncode True): space as +.</summary>
    private static string QueryEncode(string value)
    {
        var text = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9') or (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~')
                text.Append((char)b);
            else if (b == (byte)' ') text.Append('+');
            else text.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return text.ToString();
    }
}
