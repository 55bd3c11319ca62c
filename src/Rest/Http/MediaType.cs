using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Supacs.Rest.Http;

internal enum MediaKind { Json, Object, Csv, Plan, Raw, GeoJson }

/// <summary>The response media type chosen from <c>Accept</c> (PGRST107 when none can be produced).</summary>
internal sealed record MediaType(MediaKind Kind, bool StripNulls)
{
    /// <summary>For <see cref="MediaKind.Raw"/>: text/plain, text/xml or application/octet-stream (one column or scalar, as is).</summary>
    public string RawMime { get; init; } = "";

    /// <summary>Raw bytes: the SQL body is base64 and is decoded before sending.</summary>
    public bool IsBinary => Kind == MediaKind.Raw && RawMime == "application/octet-stream";

    public bool PlanJson { get; init; }

    /// <summary>For <see cref="MediaKind.GeoJson"/>: the schema of PostGIS's <c>ST_AsGeoJSON</c> (set by <see cref="ForCache"/>).</summary>
    public string? PostgisSchema { get; init; }

    /// <summary>For <see cref="MediaKind.Plan"/>: the EXPLAIN options (analyze, verbose, settings, buffers, wal).</summary>
    public IReadOnlyList<string> PlanOptions { get; init; } = [];

    /// <summary>For <see cref="MediaKind.Plan"/>: the media type whose query is explained (for="…").</summary>
    public string PlanFor { get; init; } = "application/json";

    public static MediaType Negotiate(HttpRequest request)
    {
        var accept = request.Headers.Accept.ToString();
        if (string.IsNullOrWhiteSpace(accept)) return new MediaType(MediaKind.Json, false);
        foreach (var raw in accept.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = raw.Split(';', StringSplitOptions.TrimEntries);
            var mime = parts[0].ToLowerInvariant();
            var strip = parts.Skip(1).Any(p => p.Replace(" ", "", StringComparison.Ordinal).Equals("nulls=stripped", StringComparison.OrdinalIgnoreCase));
            switch (mime)
            {
                case "application/json" or "*/*" or "application/*":
                    return new MediaType(MediaKind.Json, false);
                case "application/vnd.pgrst.array+json" or "application/vnd.pgrst.array":
                    return new MediaType(MediaKind.Json, strip);
                case "application/vnd.pgrst.object+json" or "application/vnd.pgrst.object":
                    return new MediaType(MediaKind.Object, strip);
                case "text/csv":
                    return new MediaType(MediaKind.Csv, false);
                case "application/geo+json":
                    return new MediaType(MediaKind.GeoJson, false) { RawMime = accept };
                case "text/plain" or "text/xml" or "application/octet-stream":
                    return new MediaType(MediaKind.Raw, false) { RawMime = mime };
                case "application/vnd.pgrst.plan" or "application/vnd.pgrst.plan+json" or "application/vnd.pgrst.plan+text":
                    return Plan(mime, parts);
            }
        }
        throw new RestException(406, "PGRST107", "None of these media types are available: " + accept, (string?)null);
    }

    /// <summary><c>application/vnd.pgrst.plan[+json|+text]; for="…"; options=a|b</c> (PostgREST's execution plan media type).</summary>
    private static MediaType Plan(string mime, string[] parts)
    {
        var forMedia = "application/json";
        var options = new List<string>();
        foreach (var p in parts.Skip(1))
        {
            var kv = p.Split('=', 2, StringSplitOptions.TrimEntries);
            if (kv.Length != 2) continue;
            if (kv[0].Equals("for", StringComparison.OrdinalIgnoreCase)) forMedia = kv[1].Trim('"').ToLowerInvariant();
            else if (kv[0].Equals("options", StringComparison.OrdinalIgnoreCase))
            {
                foreach (var o in kv[1].Trim('"').Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    var option = o.ToLowerInvariant();
                    if (option is not ("analyze" or "verbose" or "settings" or "buffers" or "wal"))
                        throw new RestException(406, "PGRST107", "None of these media types are available: " + string.Join(';', parts), (string?)null);
                    if (!options.Contains(option)) options.Add(option);
                }
            }
        }
        if (forMedia is not ("application/json" or "application/vnd.pgrst.object+json" or "application/vnd.pgrst.object" or "text/csv" or "*/*"))
            throw new RestException(406, "PGRST107", "None of these media types are available: " + string.Join(';', parts), (string?)null);
        return new MediaType(MediaKind.Plan, false) { PlanJson = mime.EndsWith("+json", StringComparison.Ordinal), PlanOptions = options, PlanFor = forMedia };
    }

    /// <summary>
    /// GeoJSON needs PostGIS in the database (PostgREST only offers it then): binds the extension's schema from the
    /// schema cache, or PGRST107 as for any media type that can't be produced. Other media types are returned as they are.
    /// </summary>
    public MediaType ForCache(Schema.SchemaCache cache) => Kind != MediaKind.GeoJson ? this
        : cache.PostgisSchema is { } schema ? this with { PostgisSchema = schema }
        : throw Unavailable();

    /// <summary>PGRST107 for this media type (e.g. GeoJSON of a scalar function result).</summary>
    public RestException Unavailable() =>
        new(406, "PGRST107", "None of these media types are available: " + RawMime, (string?)null);

    /// <summary><c>EXPLAIN (…)</c> options for a plan request; WAL/BUFFERS only with ANALYZE as PostgreSQL requires.</summary>
    public string ExplainPrefix()
    {
        var opts = new List<string> { PlanJson ? "FORMAT JSON" : "FORMAT TEXT" };
        var analyze = PlanOptions.Contains("analyze");
        if (analyze) opts.Add("ANALYZE");
        if (PlanOptions.Contains("verbose")) opts.Add("VERBOSE");
        if (PlanOptions.Contains("settings")) opts.Add("SETTINGS");
        if (analyze && PlanOptions.Contains("buffers")) opts.Add("BUFFERS");
        if (analyze && PlanOptions.Contains("wal")) opts.Add("WAL");
        return $"EXPLAIN ({string.Join(", ", opts)}) ";
    }

    public string ContentType => Kind switch
    {
        MediaKind.Raw => IsBinary ? RawMime : RawMime + "; charset=utf-8",
        MediaKind.Plan => $"application/vnd.pgrst.plan+{(PlanJson ? "json" : "text")}; for=\"{PlanFor}\"; charset=utf-8",
        MediaKind.Csv => "text/csv; charset=utf-8",
        MediaKind.GeoJson => "application/geo+json; charset=utf-8",
        MediaKind.Object => StripNulls ? "application/vnd.pgrst.object+json; nulls=stripped; charset=utf-8" : "application/vnd.pgrst.object+json; charset=utf-8",
        _ => StripNulls ? "application/vnd.pgrst.array+json; nulls=stripped; charset=utf-8" : RestResponses.Json,
    };

    /// <summary>The SQL building the body from <c>_postgrest_t</c> rows (<paramref name="column"/> for scalar results).</summary>
    public string BodySql(string column = "_postgrest_t") => Kind switch
    {
        MediaKind.Raw => IsBinary
            ? $"encode(coalesce(string_agg(({column})::bytea, ''::bytea), ''::bytea), 'base64')"
            : $"coalesce(string_agg(({column})::text, ''), '')",
        // PostGIS's ST_AsGeoJSON(record) makes each row a Feature: the (first) geometry column becomes "geometry",
        // the other columns "properties".
        MediaKind.GeoJson => "json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg("
            + Sql.Sql.Ident(PostgisSchema ?? throw Unavailable()) + $".st_asgeojson({column})::json), '[]'))::text",
        MediaKind.Object => StripNulls
            ? $"coalesce(json_strip_nulls(json_agg({column})->0)::text, 'null')"
            : $"coalesce((json_agg({column})->0)::text, 'null')",
        _ => StripNulls
            ? $"coalesce(json_strip_nulls(json_agg({column})), '[]')::text"
            : $"coalesce(json_agg({column}), '[]')::text",
    };

    /// <summary><see cref="CheckSingular"/> for a singular request, else null (no check: the outcome is known up front).</summary>
    public Func<StatementResult, RestException?>? SingularCheck => Kind == MediaKind.Object ? CheckSingular : null;

    /// <summary>PGRST116 unless exactly one row came back for a singular request.</summary>
    public RestException? CheckSingular(StatementResult r) =>
        Kind == MediaKind.Object && r.PageTotal != 1
            ? new RestException(406, "PGRST116", "Cannot coerce the result to a single JSON object", $"The result contains {r.PageTotal} rows")
            : null;

    /// <summary>The body as sent: JSON as built by PostgreSQL, or CSV converted from it.</summary>
    public string? Render(string? body)
    {
        if (body is null || Kind != MediaKind.Csv) return body;
        using var doc = JsonDocument.Parse(body);
        var rows = doc.RootElement.EnumerateArray().ToList();
        var sb = new StringBuilder();
        if (rows.Count == 0) return "";
        var keys = rows[0].EnumerateObject().Select(p => p.Name).ToList();
        sb.Append(string.Join(',', keys.Select(Csv)));
        foreach (var row in rows)
        {
            sb.Append('\n');
            sb.Append(string.Join(',', keys.Select(k => row.TryGetProperty(k, out var v) ? CsvValue(v) : "")));
        }
        return sb.ToString();
    }

    private static string CsvValue(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Null => "",
        JsonValueKind.String => Csv(v.GetString()!),
        _ => Csv(v.GetRawText()),
    };

    private static string Csv(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
}
