using Microsoft.AspNetCore.Http;
using Supacs.Rest.Media;

namespace Supacs.Rest.Http;

internal enum MediaKind { Json, Object, Csv, Plan, Raw, GeoJson, Custom, Unresolved }

/// <summary>
/// The response media type. <see cref="Negotiate"/> reads <c>Accept</c> (ranges in q/specificity order) and picks the
/// first built-in one; <see cref="Resolve"/> then applies the schema cache's custom handlers (media type domains),
/// which PostgREST lets extend and override the built-ins, or answers PGRST107 when nothing can be produced.
/// </summary>
internal sealed record MediaType(MediaKind Kind, bool StripNulls)
{
    /// <summary>For <see cref="MediaKind.Raw"/>: text/plain, text/xml or application/octet-stream (one column or scalar, as is).</summary>
    public string RawMime { get; init; } = "";

    /// <summary>The Accept ranges in preference order, until <see cref="Resolve"/> has chosen (empty afterwards).</summary>
    public IReadOnlyList<AcceptedMedia> Accepted { get; init; } = [];

    /// <summary>For <see cref="MediaKind.Custom"/>: the aggregate or function producing the body.</summary>
    public MediaHandler? Handler { get; init; }

    /// <summary>Raw bytes: the SQL body is base64 and is decoded before sending.</summary>
    public bool IsBinary => Kind == MediaKind.Raw ? RawMime == "application/octet-stream" : Kind == MediaKind.Custom && Handler!.Binary;

    public bool PlanJson { get; init; }

    /// <summary>For <see cref="MediaKind.GeoJson"/>: the schema of PostGIS's <c>ST_AsGeoJSON</c> (set by <see cref="ForCache"/>).</summary>
    public string? PostgisSchema { get; init; }

    /// <summary>For <see cref="MediaKind.Plan"/>: the EXPLAIN options (analyze, verbose, settings, buffers, wal).</summary>
    public IReadOnlyList<string> PlanOptions { get; init; } = [];

    /// <summary>For <see cref="MediaKind.Plan"/>: the media type whose query is explained (for="…"), as PostgREST names it.</summary>
    public string PlanFor { get; init; } = "application/json";

    /// <summary>For <see cref="MediaKind.Plan"/>: what <see cref="PlanFor"/> resolved to (built-in or a handler), whose SQL is explained.</summary>
    public MediaType? PlanInner { get; init; }

    public static MediaType Negotiate(HttpRequest request)
    {
        var accepted = AcceptHeader.Parse(request.Headers.Accept.ToString());
        foreach (var a in accepted)
        {
            if (Builtin(a, accepted) is { } builtin) return builtin with { Accepted = accepted };
        }
        // Maybe a custom handler produces one of them: Resolve decides once the schema cache and the target are known.
        return new MediaType(MediaKind.Unresolved, false) { Accepted = accepted };
    }

    private static readonly object ResolvedKey = new();

    /// <summary>
    /// Keeps the first resolved media type of a request that names PostgREST's vendor types (for the statement runner's
    /// plan check and a scalar result's Content-Type); other requests need nothing kept (no Items allocation).
    /// </summary>
    public MediaType Remember(HttpContext http)
    {
        if (Kind is MediaKind.Plan or MediaKind.Object || StripNulls
            || http.Request.Headers.Accept.ToString().Contains("vnd.pgrst", StringComparison.OrdinalIgnoreCase))
            http.Items.TryAdd(ResolvedKey, this);
        return this;
    }

    /// <summary>The media type <see cref="Remember"/> kept for this request, if any.</summary>
    public static MediaType? Remembered(HttpContext http) => http.Items.TryGetValue(ResolvedKey, out var m) ? m as MediaType : null;

    /// <summary>The built-in media type for one Accept range, or null.</summary>
    private static MediaType? Builtin(AcceptedMedia a, IReadOnlyList<AcceptedMedia> accepted)
    {
        // PostgREST strips nulls only for exactly ";nulls=stripped" (no other parameter).
        var strip = a.Parameters is [{ Key: "nulls", Value: "stripped" }];
        return a.Mime switch
        {
            "application/json" or "*/*" or "application/*" => new MediaType(MediaKind.Json, false),
            "application/vnd.pgrst.array+json" or "application/vnd.pgrst.array" => new MediaType(MediaKind.Json, strip),
            "application/vnd.pgrst.object+json" or "application/vnd.pgrst.object" => new MediaType(MediaKind.Object, strip),
            "text/csv" => new MediaType(MediaKind.Csv, false),
            "application/geo+json" => new MediaType(MediaKind.GeoJson, false) { RawMime = AcceptHeader.Describe(accepted) },
            "text/plain" or "text/xml" or "application/octet-stream" => new MediaType(MediaKind.Raw, false) { RawMime = a.Mime },
            "application/vnd.pgrst.plan" or "application/vnd.pgrst.plan+json" or "application/vnd.pgrst.plan+text" => Plan(a),
            _ => null,
        };
    }

    private static readonly string[] PlanOptionNames = ["analyze", "verbose", "settings", "buffers", "wal"];

    /// <summary>
    /// <c>application/vnd.pgrst.plan[+json|+text]; for="…"; options=a|b</c> (PostgREST's execution plan media type):
    /// unknown options are ignored, as PostgREST does; <c>for</c> is checked by <see cref="Resolve"/> (built-in or handler).
    /// </summary>
    private static MediaType Plan(AcceptedMedia a)
    {
        var given = (a.Parameter("options") ?? "").ToLowerInvariant().Split('|', StringSplitOptions.TrimEntries);
        var forMedia = (a.Parameter("for") ?? "application/json").Split(';')[0].ToLowerInvariant() switch
        {
            "application/vnd.pgrst.array+json" or "application/vnd.pgrst.array" => "application/json",
            "application/vnd.pgrst.object" => "application/vnd.pgrst.object+json",
            "" => "*/*",
            var m => m,
        };
        return new MediaType(MediaKind.Plan, false)
        {
            PlanJson = a.Mime.EndsWith("+json", StringComparison.Ordinal),
            PlanOptions = PlanOptionNames.Where(given.Contains).ToList(),
            PlanFor = forMedia,
        };
    }

    /// <summary>What a plan's <c>for</c> media type resolves to for <paramref name="target"/>; null when nothing produces it.</summary>
    private static MediaType? PlanTarget(MediaType plan, Schema.SchemaCache cache, MediaTarget target)
    {
        var range = new AcceptedMedia(plan.PlanFor, plan.PlanFor, []);
        var builtin = Builtin(range, [range]);
        if (builtin is { Kind: MediaKind.Object }) return builtin;
        if (Find(cache.MediaHandlers, plan.PlanFor, target) is { } handler) return new MediaType(MediaKind.Custom, false) { Handler = handler };
        return builtin switch
        {
            { Kind: MediaKind.Json or MediaKind.Csv } => builtin,
            { Kind: MediaKind.GeoJson } when cache.PostgisSchema is not null => builtin.ForCache(cache),
            _ => null,
        };
    }

    /// <summary>
    /// The media type to answer with for <paramref name="target"/>, as PostgREST's content negotiation: for each Accept
    /// range in order, its own vendor types (object, stripped array, plan) as they are; else a handler of the relation
    /// or function for <c>*/*</c> or that range (only with the default <c>select</c>), then an <c>anyelement</c>
    /// aggregate for it, then the built-in one. PGRST107 when none matches.
    /// </summary>
    public MediaType Resolve(Schema.SchemaCache cache, MediaTarget target)
    {
        if (Accepted.Count == 0) return ForCache(cache);
        var handlers = cache.MediaHandlers;
        // Most schemas have no handlers: the built-in pick stands.
        if (handlers.Count == 0 && Kind is not (MediaKind.Unresolved or MediaKind.Plan) && (Kind != MediaKind.GeoJson || cache.PostgisSchema is not null))
            return (this with { Accepted = [] }).ForCache(cache);
        foreach (var a in Accepted)
        {
            var builtin = Builtin(a, Accepted);
            if (builtin is { Kind: MediaKind.Plan })
            {
                if (!target.PlansEnabled) continue;
                // PostgREST's plan explains the query of its "for" media type's handler; none: try the next range.
                if (PlanTarget(builtin, cache, target) is { } inner) return builtin with { PlanInner = inner };
                continue;
            }
            if (builtin is { Kind: MediaKind.Object } or { Kind: MediaKind.Json, StripNulls: true }) return builtin.ForCache(cache);
            // A plain vnd.pgrst.array is application/json, which handlers may override.
            var mime = a.Mime is "application/vnd.pgrst.array+json" or "application/vnd.pgrst.array" ? "application/json" : a.Mime;
            if (Find(handlers, mime, target) is { } handler) return new MediaType(MediaKind.Custom, false) { Handler = handler };
            if (builtin is null || (builtin.Kind == MediaKind.GeoJson && cache.PostgisSchema is null)) continue;
            return builtin.ForCache(cache);
        }
        throw new RestException(406, "PGRST107", "None of these media types are available: " + AcceptHeader.Describe(Accepted), (string?)null);
    }

    private static MediaHandler? Find(MediaHandlerMap handlers, string mime, MediaTarget target)
    {
        if (handlers.Count == 0) return null;
        if (target.DefaultSelect)
        {
            var function = target.FunctionOid == 0 ? null : handlers.Function(target.FunctionOid);
            var forAny = (target.RelationOid == 0 ? null : handlers.Aggregate(target.RelationOid, "*/*"))
                ?? (function is { MediaType: "*/*" } ? function : null);
            if (forAny is not null) return forAny;
            var specific = (target.RelationOid == 0 ? null : handlers.Aggregate(target.RelationOid, mime))
                ?? (function?.MediaType == mime ? function : null);
            if (specific is not null) return specific;
        }
        return handlers.Aggregate(0, mime);
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
        new(406, "PGRST107", "None of these media types are available: " + (Accepted.Count > 0 ? AcceptHeader.Describe(Accepted) : RawMime), (string?)null);

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
        MediaKind.Custom => Handler!.ContentType,
        MediaKind.Raw => IsBinary ? RawMime : RawMime + "; charset=utf-8",
        MediaKind.Plan => $"application/vnd.pgrst.plan+{(PlanJson ? "json" : "text")}; for=\"{PlanFor}\"" +
            (PlanOptions.Count > 0 ? "; options=" + string.Join('|', PlanOptions) : "") + "; charset=utf-8",
        MediaKind.Csv => "text/csv; charset=utf-8",
        MediaKind.GeoJson => "application/geo+json; charset=utf-8",
        MediaKind.Object => StripNulls ? "application/vnd.pgrst.object+json;nulls=stripped; charset=utf-8" : "application/vnd.pgrst.object+json; charset=utf-8",
        _ => StripNulls ? "application/vnd.pgrst.array+json;nulls=stripped; charset=utf-8" : RestResponses.Json,
    };

    /// <summary>The SQL building the body from <c>_postgrest_t</c> rows (<paramref name="column"/> for scalar results).</summary>
    /// <param name="source">The CTE holding the selected rows, whose first row's keys make the CSV header.</param>
    public string BodySql(string column = "_postgrest_t", string source = "pgrst_source") => Kind switch
    {
        // PostgREST's CSV, built in SQL: the keys of the first row as the header, then each row's record text
        // without its parentheses (so quoting, NULLs, booleans, dates and arrays look as PostgreSQL prints them).
        MediaKind.Csv => "(SELECT coalesce(string_agg(a.k, ','), '') FROM (SELECT json_object_keys(r)::text AS k FROM " +
            $"(SELECT row_to_json(hh) AS r FROM {source} AS hh LIMIT 1) s) a) || E'\\n' || " +
            "coalesce(string_agg(substring(_postgrest_t::text, 2, length(_postgrest_t::text) - 2), E'\\n'), '')",
        MediaKind.Custom => HandlerBodySql(Handler!, column),
        MediaKind.Plan when PlanInner is { } inner => inner.BodySql(column, source),
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

    /// <summary>
    /// A handler's body: its aggregate over the rows (cast to the relation's row type it takes), or the value of a
    /// function returning the media type domain; as text, or base64 of the bytes for a domain over bytea.
    /// </summary>
    private static string HandlerBodySql(MediaHandler h, string column)
    {
        var value = !h.IsAggregate ? $"(array_agg({column}))[1]"
            : h.TargetOid == 0 ? $"{Sql.Sql.Qualified(h.Schema, h.Name)}({column})"
            : $"{Sql.Sql.Qualified(h.Schema, h.Name)}({column}::{Sql.Sql.Qualified(h.TargetSchema, h.TargetName)})";
        return h.Binary ? $"coalesce(encode(({value})::bytea, 'base64'), '')" : $"coalesce(({value})::text, '')";
    }

    /// <summary><see cref="CheckSingular"/> for a singular request, else null (no check: the outcome is known up front).</summary>
    public Func<StatementResult, RestException?>? SingularCheck => Kind == MediaKind.Object ? CheckSingular : null;

    /// <summary>PGRST116 unless exactly one row came back for a singular request.</summary>
    public RestException? CheckSingular(StatementResult r) =>
        Kind == MediaKind.Object && r.PageTotal != 1
            ? new RestException(406, "PGRST116", "Cannot coerce the result to a single JSON object", $"The result contains {r.PageTotal} rows")
            : null;
}
