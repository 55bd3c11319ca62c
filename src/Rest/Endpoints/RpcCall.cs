using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Supacs.Rest.Http;
using Supacs.Rest.Schema;
using Supacs.Rest.Sql;

namespace Supacs.Rest.Endpoints;

/// <summary>
/// GET/HEAD/POST /rest/v1/rpc/{function}: calls a function with named arguments (query string or JSON body).
/// Row-returning functions get the full read grammar (select, filters, embeds, order, paging, counts).
/// </summary>
internal static class RpcCall
{
    public static Task HandleAsync(HttpContext http, string name) => RestResponses.HandleAsync(http, async () =>
    {
        var req = await RestRequest.CreateAsync(http).ConfigureAwait(false);
        var media = MediaType.Negotiate(http.Request);
        var isGet = req.IsRead;
        var query = req.ParseQuery(isRpcRead: isGet);
        var (rangeOffset, rangeLimit) = RangeHeader.Parse(http.Request);
        string? bodyJson = null;
        IReadOnlyList<string> argNames;
        // Raw bodies (text/plain, text/xml, application/octet-stream) go to a function's single unnamed
        // text/xml/bytea parameter as they are.
        var rawType = isGet ? null : RawParameterType(http.Request.ContentType);
        object? rawBody = null;
        if (isGet)
        {
            argNames = query.RpcArgs.Select(a => a.Key).Distinct().ToList();
        }
        else if (rawType is not null)
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer, http.RequestAborted).ConfigureAwait(false);
            rawBody = rawType == "bytea" ? buffer.ToArray() : System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
            argNames = [];
        }
        else
        {
            bodyJson = await WriteResponses.ReadBodyAsync(http).ConfigureAwait(false);
            if (string.IsNullOrWhiteSpace(bodyJson)) bodyJson = "{}";
            try
            {
                using var doc = JsonDocument.Parse(bodyJson);
                argNames = doc.RootElement.ValueKind == JsonValueKind.Object
                    ? doc.RootElement.EnumerateObject().Select(p => p.Name).Distinct().ToList()
                    : [];
            }
            catch (JsonException)
            {
                throw new RestException(400, "PGRST102", "Empty or invalid json", (string?)null);
            }
        }

        Function? fn = null;
        var plan = await req.WithCacheRetryAsync(cache =>
        {
            fn = rawType is null ? Resolve(req, cache, name, argNames, bodyJson) : ResolveRaw(req, cache, name, rawType);
            // The function's own media type domain, or handlers of the table it returns rows of, may answer.
            var resolved = media.Resolve(cache, Media.MediaTarget.For(req, fn.ReturnRelation?.Oid ?? 0, fn.Oid, query)).Remember(http);
            var p = new SqlParams();
            var ctes = "";
            string call;
            var single = fn.Params.Count == 1 && fn.Params[0].Name.Length == 0 && fn.Params[0].Type is "json" or "jsonb";
            if (rawType is not null)
            {
                call = $"{Sql.Sql.Qualified(fn.Schema, fn.Name)}({p.AddRaw(rawBody!)}::{rawType})";
            }
            else if (single)
            {
                call = $"{Sql.Sql.Qualified(fn.Schema, fn.Name)}({(isGet ? p.Add("{}") : p.AddJson(bodyJson!))}::{fn.Params[0].Type})";
            }
            else if (isGet)
            {
                var args = new List<string>();
                foreach (var group in query.RpcArgs.GroupBy(a => a.Key))
                {
                    var param = fn.Params.First(x => x.Name == group.Key);
                    var values = group.Select(g => g.Value).ToList();
                    args.Add(param.IsVariadic
                        ? $"VARIADIC {Sql.Sql.Ident(param.Name)} := {p.Add(values.Count == 1 && values[0].StartsWith('{') ? values[0] : Sql.Sql.ArrayLiteral(values))}"
                        : $"{Sql.Sql.Ident(param.Name)} := {p.Add(values[^1])}");
                }
                call = $"{Sql.Sql.Qualified(fn.Schema, fn.Name)}({string.Join(", ", args)})";
            }
            else
            {
                var used = fn.Params.Where(x => argNames.Contains(x.Name)).ToList();
                if (used.Count > 0)
                {
                    var body = p.AddJson(bodyJson!);
                    var defs = string.Join(", ", used.Select(x => $"{Sql.Sql.Ident(x.Name)} {x.Type}"));
                    ctes = $"pgrst_args AS (SELECT * FROM json_to_record({body}) AS _({defs})), ";
                }
                var args = used.Select(x => $"{(x.IsVariadic ? "VARIADIC " : "")}{Sql.Sql.Ident(x.Name)} := (SELECT {Sql.Sql.Ident(x.Name)} FROM pgrst_args)");
                call = $"{Sql.Sql.Qualified(fn.Schema, fn.Name)}({string.Join(", ", args)})";
            }

            if (fn.ReturnRelation is { } rel)
            {
                var alias = fn.Name;
                var from = $"{call} AS {Sql.Sql.Ident(alias)}";
                var objectMedia = fn.ReturnsSet || resolved.Kind is MediaKind.Raw or MediaKind.GeoJson or MediaKind.Custom ? resolved : new MediaType(MediaKind.Object, resolved.StripNulls);
                return (ReadStatement.Build(req, cache, rel, alias, from, query, objectMedia, p, !HttpMethods.IsHead(http.Request.Method), rangeOffset, rangeLimit, ctes), objectMedia);
            }
            if (resolved.Kind == MediaKind.GeoJson) throw resolved.Unavailable();
            // A single scalar is the value itself (nulls stripped from it when asked, as PostgREST does).
            var scalarMedia = fn.ReturnsSet || resolved.Kind is MediaKind.Raw or MediaKind.Custom ? resolved : new MediaType(MediaKind.Object, resolved.StripNulls);
            var source = $"SELECT {call} AS pgrst_scalar";
            var bodySql = HttpMethods.IsHead(http.Request.Method) ? "NULL::text" : scalarMedia.BodySql("_postgrest_t.pgrst_scalar");
            var sql = StatementRunner.Wrap(ctes + "pgrst_source AS (" + source + ")",
                req.Prefer.Count == CountPreference.None ? "NULL::bigint" : "(SELECT pg_catalog.count(*) FROM pgrst_source)", bodySql);
            return (new PlannedStatement(sql, p, 0), scalarMedia);
        }).ConfigureAwait(false);

        var readOnly = isGet || fn!.Volatility != 'v';
        var (statement, resultMedia) = plan;
        var hoisted = fn!.Settings.Where(kv => req.Settings.HoistedTxSettings.Contains(kv.Key, StringComparer.OrdinalIgnoreCase))
            .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.OrdinalIgnoreCase);
        // max-affected with handling=strict counts the rows the function returns (v13): SETOF only (PGRST128).
        var strictMax = req.Prefer.Handling == "strict" ? req.Prefer.MaxAffected : null;
        if (strictMax is not null && !fn.ReturnsSet)
            throw new RestException(400, "PGRST128", "Function must return SETOF or TABLE when max-affected preference is used with handling=strict",
                (string?)null);
        var check = fn.ReturnsSet ? (strictMax is not null ? req.Prefer.WriteCheck(resultMedia, true) : resultMedia.SingularCheck) : null;
        var result = await StatementRunner.RunAsync(req, statement.Sql, statement.Parameters, readOnly,
            check, hoisted: hoisted.Count > 0 ? hoisted : null).ConfigureAwait(false);
        if (strictMax is { } maxAffected) req.Prefer.Applied.AddRange(["handling=strict", "max-affected=" + maxAffected]);
        if (fn.ReturnsVoid)
        {
            RestResponses.SetPreferenceApplied(http, req.Prefer);
            var status = RestResponses.ApplyGucs(http, result, 204);
            await RestResponses.WriteBodyAsync(http, status, null).ConfigureAwait(false);
            return;
        }
        if (fn.ReturnsSet)
        {
            await RelationRead.WriteReadResultAsync(req, resultMedia, statement.Offset, result).ConfigureAwait(false);
            return;
        }
        RestResponses.SetPreferenceApplied(http, req.Prefer);
        var st = RestResponses.ApplyGucs(http, result, 200);
        http.Response.Headers["Content-Range"] = RestResponses.ContentRange(0, result.PageTotal, result.Total);
        await RestResponses.WriteBodyAsync(http, st, result.Body ?? "", resultMedia.Kind is MediaKind.Raw or MediaKind.GeoJson or MediaKind.Custom ? resultMedia.ContentType
            : AskedContentType(MediaType.Remembered(http)),
            resultMedia.IsBinary).ConfigureAwait(false);
    });

    /// <summary>A scalar result's Content-Type: the singular or stripped type asked for, else JSON.</summary>
    private static string AskedContentType(MediaType? asked) =>
        asked is not null && (asked.Kind == MediaKind.Object || asked.StripNulls) ? asked.ContentType : RestResponses.Json;

    /// <summary>The parameter type a raw request body is passed as, by Content-Type; null for JSON and the rest.</summary>
    private static string? RawParameterType(string? contentType)
    {
        var mime = (contentType ?? "").Split(';')[0].Trim().ToLowerInvariant();
        return mime switch
        {
            "text/plain" => "text",
            "text/xml" => "xml",
            "application/octet-stream" => "bytea",
            _ => null,
        };
    }

    /// <summary>The function taking one unnamed parameter of <paramref name="type"/> (PGRST202 when there is none).</summary>
    private static Function ResolveRaw(RestRequest req, SchemaCache cache, string name, string type)
    {
        var match = cache.FindFunctions(req.Schema, name)
            .FirstOrDefault(f => f.Params.Count == 1 && f.Params[0].Name.Length == 0 && f.Params[0].Type == type);
        return match ?? throw new RestException(404, "PGRST202", $"Could not find the function {req.Schema}.{name} in the schema cache",
            $"Searched for the function {req.Schema}.{name} with a single unnamed {type} parameter, but no matches were found in the schema cache.",
            (string?)null);
    }

    /// <summary>Overload resolution by argument names (PGRST202 none, PGRST203 several).</summary>
    private static Function Resolve(RestRequest req, SchemaCache cache, string name, IReadOnlyList<string> argNames, string? body)
    {
        var candidates = cache.FindFunctions(req.Schema, name);
        var given = argNames.ToHashSet(StringComparer.Ordinal);
        var matches = candidates.Where(f =>
            f.Params.All(p => p.Name.Length > 0) &&
            given.All(a => f.Params.Any(p => p.Name == a)) &&
            f.Params.Where(p => !p.HasDefault).All(p => given.Contains(p.Name))).ToList();
        if (matches.Count == 0)
        {
            matches = candidates.Where(f => f.Params.Count == 1 && f.Params[0].Name.Length == 0 && f.Params[0].Type is "json" or "jsonb").ToList();
            if (body is null && matches.Count > 0 && given.Count > 0) matches.Clear();
        }
        if (matches.Count == 1) return matches[0];
        var signature = $"{req.Schema}.{name}({string.Join(", ", argNames)})";
        if (matches.Count == 0)
        {
            var withParams = argNames.Count == 0 ? "without parameters" : "with parameters " + string.Join(", ", argNames);
            var hint = candidates.Count > 0
                ? $"Perhaps you meant to call the function {req.Schema}.{name}({string.Join(", ", candidates[0].Params.Select(p => p.Name))})"
                : null;
            throw new RestException(404, "PGRST202", $"Could not find the function {signature} in the schema cache",
                $"Searched for the function {req.Schema}.{name} {withParams} or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.",
                hint);
        }
        throw new RestException(300, "PGRST203",
            $"Could not choose the best candidate function between: {string.Join(", ", matches.Select(m => $"{m.Schema}.{m.Name}({string.Join(", ", m.Params.Select(p => p.Name + " => " + p.Type))})"))}",
            (string?)null, "Try renaming the parameters or the function itself in the database so function overloading can be resolved");
    }
}
