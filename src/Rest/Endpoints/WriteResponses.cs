using Microsoft.AspNetCore.Http;
using Supacs.Rest.Http;

namespace Supacs.Rest.Endpoints;

/// <summary>Request body reading and response writing shared by POST/PATCH/PUT/DELETE.</summary>
internal static class WriteResponses
{
    public static async Task<string> ReadBodyAsync(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body, System.Text.Encoding.UTF8);
        var text = await reader.ReadToEndAsync(http.RequestAborted).ConfigureAwait(false);
        var type = http.Request.ContentType ?? "application/json";
        if (type.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase)) return CsvBody.ToJson(text);
        if (type.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            var form = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(text);
            var o = new System.Text.Json.Nodes.JsonObject();
            foreach (var (k, v) in form) o[k] = v.ToString();
            return o.ToJsonString();
        }
        return text;
    }

    /// <summary>Status, Content-Range, Preference-Applied and body of a write.</summary>
    public static async Task WriteAsync(RestRequest req, MediaType media, StatementResult result, int representationStatus, int minimalStatus, string? location = null)
    {
        var http = req.Http;
        http.Response.Headers["Content-Range"] = result.Total is { } t ? $"*/{t}" : "*/*";
        if (req.Settings.Schemas.Count > 1) http.Response.Headers["Content-Profile"] = req.Schema;
        var ret = req.Prefer.Return;
        if (ret != ReturnPreference.Unset) req.Prefer.Applied.Insert(0, "return=" + ret switch
        {
            ReturnPreference.Minimal => "minimal",
            ReturnPreference.HeadersOnly => "headers-only",
            _ => "representation",
        });
        RestResponses.SetPreferenceApplied(http, req.Prefer);
        if (location is not null) http.Response.Headers.Location = location;
        if (ret == ReturnPreference.Representation)
        {
            var status = RestResponses.ApplyGucs(http, result, representationStatus);
            await RestResponses.WriteBodyAsync(http, status, result.Body, media.ContentType, media.IsBinary).ConfigureAwait(false);
        }
        else
        {
            var status = RestResponses.ApplyGucs(http, result, minimalStatus);
            await RestResponses.WriteBodyAsync(http, status, null).ConfigureAwait(false);
        }
    }
}

/// <summary>CSV request bodies (header row, <c>NULL</c> for null) as a JSON array of objects.</summary>
internal static class CsvBody
{
    public static string ToJson(string csv)
    {
        var rows = Parse(csv);
        var array = new System.Text.Json.Nodes.JsonArray();
        if (rows.Count == 0) return "[]";
        var header = rows[0];
        foreach (var row in rows.Skip(1))
        {
            if (row.Count == 1 && row[0].Length == 0) continue;
            var o = new System.Text.Json.Nodes.JsonObject();
            for (var i = 0; i < header.Count; i++)
                o[header[i]] = i < row.Count && row[i] != "NULL" ? row[i] : null;
            array.Add(o);
        }
        return array.ToJsonString();
    }

    private static List<List<string>> Parse(string csv)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < csv.Length; i++)
        {
            var c = csv[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < csv.Length && csv[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
                continue;
            }
            switch (c)
            {
                case '"': quoted = true; break;
                case ',': row.Add(field.ToString()); field.Clear(); break;
                case '\r': break;
                case '\n': row.Add(field.ToString()); field.Clear(); rows.Add(row); row = []; break;
                default: field.Append(c); break;
            }
        }
        if (field.Length > 0 || row.Count > 0) { row.Add(field.ToString()); rows.Add(row); }
        return rows;
    }
}
