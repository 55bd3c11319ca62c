using Npgsql;

namespace Supacs.Rest.Media;

/// <summary>
/// A custom media type handler (PostgREST v12): a domain named after a media type (<c>create domain "text/csv" as text</c>,
/// <c>"*/*"</c> for any) returned by an aggregate over a relation's rows (or <c>anyelement</c>), or by a function.
/// </summary>
/// <param name="MediaType">The domain's name, lower-cased: what an Accept range must name (<c>*/*</c> matches any).</param>
/// <param name="Schema">Schema of the aggregate (aggregate handlers).</param>
/// <param name="Name">Name of the aggregate (aggregate handlers).</param>
/// <param name="TargetOid">pg_class oid of the relation an aggregate takes rows of; 0 for an <c>anyelement</c> aggregate.</param>
/// <param name="FunctionOid">The function returning the domain (function handlers), else 0.</param>
/// <param name="TargetSchema">Schema of the relation's row type (aggregate handlers over a relation).</param>
/// <param name="TargetName">Name of the relation's row type.</param>
/// <param name="Binary">The domain is over bytea: the body is sent as bytes.</param>
internal sealed record MediaHandler(string MediaType, string Schema, string Name, uint TargetOid, uint FunctionOid,
    string TargetSchema, string TargetName, bool Binary)
{
    public bool IsAggregate => FunctionOid == 0;

    /// <summary>The Content-Type it answers with (a handler may still set its own through <c>response.headers</c>).</summary>
    public string ContentType => MediaType switch
    {
        "*/*" => "application/octet-stream",
        // PostgREST's own media types carry a charset; other (custom) ones are sent as named.
        "application/json" or "application/geo+json" or "text/csv" or "text/plain" or "text/xml"
            or "application/openapi+json" or "application/x-www-form-urlencoded" => MediaType + "; charset=utf-8",
        _ => MediaType,
    };
}

/// <summary>The handlers of a schema cache, indexed as PostgREST looks them up.</summary>
internal sealed class MediaHandlerMap
{
    public static readonly MediaHandlerMap Empty = new([]);

    private readonly Dictionary<(uint Target, string MediaType), MediaHandler> _aggregates = [];
    private readonly Dictionary<uint, MediaHandler> _functions = [];

    public MediaHandlerMap(IEnumerable<MediaHandler> handlers)
    {
        foreach (var h in handlers)
        {
            if (h.IsAggregate) _aggregates.TryAdd((h.TargetOid, h.MediaType), h);
            else _functions.TryAdd(h.FunctionOid, h);
        }
        Count = _aggregates.Count + _functions.Count;
    }

    public int Count { get; }

    /// <summary>An aggregate over <paramref name="relationOid"/>'s rows (0: an <c>anyelement</c> one) for the media type.</summary>
    public MediaHandler? Aggregate(uint relationOid, string mediaType) =>
        _aggregates.TryGetValue((relationOid, mediaType), out var h) ? h : null;

    /// <summary>The media type domain a (non-SETOF) function returns, if any.</summary>
    public MediaHandler? Function(uint functionOid) => _functions.TryGetValue(functionOid, out var h) ? h : null;

    // Domains named like a media type (RFC 6838 characters) in any schema, and "*/*"; aggregates in the exposed schemas
    // taking one row of a relation (or anyelement) and returning such a domain (final function's or state type); and
    // non-SETOF functions returning one. The base type says whether the body is bytes.
    private const string Sql = """
        WITH media AS (
          SELECT t.oid, lower(t.typname) AS media_type,
                 coalesce(bb.typname, b.typname) = 'bytea' AS is_binary
          FROM pg_catalog.pg_type t
          JOIN pg_catalog.pg_type b ON b.oid = t.typbasetype
          LEFT JOIN pg_catalog.pg_type bb ON bb.oid = b.typbasetype AND b.typtype = 'd'
          WHERE t.typtype = 'd' AND (t.typname ~ '^[A-Za-z0-9.-]+/[A-Za-z0-9.+-]+$' OR t.typname = '*/*')
        )
        SELECT m.media_type, n.nspname, p.proname, coalesce(c.oid, 0::oid), 0::oid, coalesce(an.nspname, ''), coalesce(a.typname, ''), m.is_binary
        FROM media m
        JOIN pg_catalog.pg_proc p ON p.prorettype = m.oid AND p.prokind = 'a' AND p.pronargs = 1
        JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
        JOIN pg_catalog.pg_type a ON a.oid = p.proargtypes[0]
        JOIN pg_catalog.pg_namespace an ON an.oid = a.typnamespace
        LEFT JOIN pg_catalog.pg_class c ON c.oid = a.typrelid AND c.relkind IN ('r','v','m','f','p')
        WHERE n.nspname = ANY($1) AND (c.oid IS NOT NULL OR a.oid = 'pg_catalog.anyelement'::pg_catalog.regtype)
        UNION ALL
        SELECT m.media_type, n.nspname, p.proname, 0::oid, p.oid, '', '', m.is_binary
        FROM media m
        JOIN pg_catalog.pg_proc p ON p.prorettype = m.oid AND p.prokind = 'f' AND NOT p.proretset
        JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = ANY($1)
        ORDER BY 4, 5, 2, 3
        """;

    /// <summary>The catalog query, for the schema loader's batch (one round trip with the rest of the cache).</summary>
    public static NpgsqlBatchCommand Command(string[] schemas)
    {
        var cmd = new NpgsqlBatchCommand(Sql);
        cmd.Parameters.Add(new NpgsqlParameter { Value = schemas });
        return cmd;
    }

    public static async Task<MediaHandlerMap> ReadAsync(NpgsqlDataReader r, CancellationToken ct)
    {
        var handlers = new List<MediaHandler>();
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            handlers.Add(new MediaHandler(r.GetString(0), r.GetString(1), r.GetString(2), r.GetFieldValue<uint>(3), r.GetFieldValue<uint>(4),
                r.GetString(5), r.GetString(6), r.GetBoolean(7)));
        }
        return handlers.Count == 0 ? Empty : new MediaHandlerMap(handlers);
    }
}
