using Microsoft.AspNetCore.Http;
using Supacs.Rest.Http;
using Supacs.Rest.Sql;

namespace Supacs.Rest.Endpoints;

/// <summary>GET/HEAD /rest/v1/{relation}: filtered, ordered, paged rows of a table or view, with embeds and counts.</summary>
internal static class RelationRead
{
    public static Task HandleAsync(HttpContext http, string relation) => RestResponses.HandleAsync(http, async () =>
    {
        var req = await RestRequest.CreateAsync(http).ConfigureAwait(false);
        var media = MediaType.Negotiate(http.Request);
        var query = req.ParseQuery();
        var (rangeOffset, rangeLimit) = RangeHeader.Parse(http.Request);
        var isHead = HttpMethods.IsHead(http.Request.Method);
        var plan = await req.WithCacheRetryAsync(cache =>
        {
            var rel = req.FindRelation(cache, relation);
            var from = Sql.Sql.Qualified(rel.Schema, rel.Name) + " AS " + Sql.Sql.Ident(rel.Name);
            return ReadStatement.Build(req, cache, rel, rel.Name, from, query, media, new SqlParams(), !isHead, rangeOffset, rangeLimit);
        }).ConfigureAwait(false);
        media = plan.Media ?? media;
        var result = await StatementRunner.RunAsync(req, plan.Sql, plan.Parameters, readOnly: true, media.SingularCheck, planned: plan).ConfigureAwait(false);
        http.Response.Headers.ContentLocation = ContentLocation(relation, http.Request.Query);
        await WriteReadResultAsync(req, media, plan.Offset, result).ConfigureAwait(false);
    });

    /// <summary>
    /// PostgREST's <c>Content-Location</c> of a read: <c>/relation</c> and the query string in canonical form (keys
    /// sorted, a repeated key's values joined with commas, percent-encoded as Haskell's urlEncodeVars does), so equal
    /// queries name one resource.
    /// </summary>
    public static string ContentLocation(string relation, IQueryCollection query)
    {
        if (query.Count == 0) return "/" + relation;
        var text = new System.Text.StringBuilder("/").Append(relation).Append('?');
        var keys = new string[query.Count];
        var n = 0;
        foreach (var key in query.Keys) keys[n++] = key;
        if (keys.Length > 1) Array.Sort(keys, StringComparer.Ordinal);
        for (var k = 0; k < keys.Length; k++)
        {
            var key = keys[k];
            var values = query[key];
            if (k > 0) text.Append('&');
            Encode(text, key);
            text.Append('=');
            for (var i = 0; i < values.Count; i++)
            {
                if (i > 0) text.Append(',');
                Encode(text, values[i] ?? "");
            }
        }
        return text.ToString();
    }

    /// <summary>Percent-encodes controls, space, non-ASCII (as UTF-8) and <c>;/?:@&amp;=+,${}|\^[]`&lt;&gt;#%"</c>.</summary>
    private static void Encode(System.Text.StringBuilder text, string value)
    {
        const string Reserved = ";/?:@&=+,${}|\\^[]`<>#%\"";
        const string Hex = "0123456789ABCDEF";
        // Almost every query is ASCII: its chars are its UTF-8 bytes, no byte array needed.
        var bytes = System.Text.Ascii.IsValid(value) ? null : System.Text.Encoding.UTF8.GetBytes(value);
        var length = bytes?.Length ?? value.Length;
        for (var i = 0; i < length; i++)
        {
            var b = bytes is null ? (byte)value[i] : bytes[i];
            if (b <= 0x20 || b >= 0x7F || Reserved.Contains((char)b, StringComparison.Ordinal))
                text.Append('%').Append(Hex[b >> 4]).Append(Hex[b & 0xF]);
            else text.Append((char)b);
        }
    }

    /// <summary>Status (200/206/416), Content-Range and body of a read.</summary>
    public static async Task WriteReadResultAsync(RestRequest req, MediaType media, long offset, StatementResult result)
    {
        var http = req.Http;
        var status = 200;
        if (result.Total is { } total)
        {
            if (offset > 0 && offset >= total && result.PageTotal == 0 && !(total == 0 && offset == 0))
            {
                var e = new RestException(416, "PGRST103", "Requested range not satisfiable",
                    $"An offset of {offset} was requested, but there are only {total} rows.");
                e.Headers["Content-Range"] = $"*/{total}";
                throw e;
            }
            if (result.PageTotal < total) status = 206;
        }
        http.Response.Headers["Content-Range"] = RestResponses.ContentRange(offset, result.PageTotal, result.Total);
        http.Response.Headers["Range-Unit"] = "items";
        RestResponses.SetPreferenceApplied(http, req.Prefer);
        if (req.Settings.Schemas.Count > 1) http.Response.Headers["Content-Profile"] = req.Schema;
        status = RestResponses.ApplyGucs(http, result, status);
        await RestResponses.WriteBodyAsync(http, status, result.Body ?? (HttpMethods.IsHead(http.Request.Method) ? "" : null), media.ContentType, media.IsBinary).ConfigureAwait(false);
    }
}
