using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Supacs.Rest.Http;
using Supacs.Rest.Schema;

namespace Supacs.Rest.Endpoints;

/// <summary>GET /rest/v1/: the OpenAPI 2.0 description of the exposed schema, shaped like PostgREST's.</summary>
internal static class OpenApiRoot
{
    public static Task HandleAsync(HttpContext http) => RestResponses.HandleAsync(http, async () =>
    {
        var req = await RestRequest.CreateAsync(http).ConfigureAwait(false);
        // db-root-spec: the root is a GET of that function (in the request's schema), answered like /rpc/{function}.
        if (req.Settings.RootSpec is { } rootSpec)
        {
            await RpcCall.HandleAsync(http, rootSpec).ConfigureAwait(false);
            return;
        }
        // The root produces only the OpenAPI document (PostgREST: application/openapi+json, application/json or */*).
        var accepted = Media.AcceptHeader.Parse(http.Request.Headers.Accept.ToString());
        if (!accepted.Any(a => a.Mime is "application/openapi+json" or "application/json" or "*/*"))
            throw new RestException(406, "PGRST107", "None of these media types are available: " + Media.AcceptHeader.Describe(accepted), (string?)null);
        if (req.Settings.OpenApiMode == "disabled")
            throw new RestException(404, "PGRST126", "Root endpoint metadata is disabled", (string?)null);
        // follow-privileges (the default) lists only what the request's role may use; ignore-privileges lists everything.
        var accessible = req.Settings.OpenApiMode == "ignore-privileges" ? null
            : await AccessibleObjects.ReadAsync(req, http.RequestAborted).ConfigureAwait(false);
        var (scheme, host, basePath) = ("http", http.Request.Host.Value ?? "localhost", http.Request.PathBase + "/rest/v1");
        // openapi-server-proxy-uri: the public address in front of the API names the host, path and scheme instead.
        if (req.Settings.OpenApiServerProxyUri is { } proxy)
            (scheme, host, basePath) = (proxy.Scheme, proxy.IsDefaultPort ? proxy.Host : proxy.Authority, proxy.AbsolutePath);
        var doc = Build(req.Cache, req.Schema, host, basePath, accessible, scheme);
        if (req.Settings.OpenApiSecurityActive)
        {
            // openapi-security-active: document the bearer JWT the API expects, as PostgREST does.
            doc["securityDefinitions"] = new JsonObject
            {
                ["JWT"] = new JsonObject
                {
                    ["description"] = "Add the token prepending \"Bearer \" (without quotes) to it",
                    ["in"] = "header", ["name"] = "Authorization", ["type"] = "apiKey",
                },
            };
            doc["security"] = new JsonArray(new JsonObject { ["JWT"] = new JsonArray() });
        }
        await RestResponses.WriteBodyAsync(http, 200, doc.ToJsonString(), "application/openapi+json; charset=utf-8").ConfigureAwait(false);
    });

    internal static JsonObject Build(SchemaCache cache, string schema, string host, string basePath, AccessibleObjects? accessible = null,
        string scheme = "http")
    {
        var paths = new JsonObject
        {
            ["/"] = new JsonObject
            {
                ["get"] = new JsonObject
                {
                    ["produces"] = new JsonArray("application/openapi+json", "application/json"),
                    ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK" } },
                    ["summary"] = "OpenAPI description (this document)",
                    ["tags"] = new JsonArray("Introspection"),
                },
            },
        };
        var definitions = new JsonObject();
        var parameters = Parameters();
        foreach (var rel in cache.Relations.Values.Where(r => r.Schema == schema && (accessible is null || accessible.Relations.Contains(r.Name)))
                     .OrderBy(r => r.Name, StringComparer.Ordinal))
        {
            definitions[rel.Name] = Definition(rel);
            parameters["body." + rel.Name] = new JsonObject
            {
                ["name"] = rel.Name, ["description"] = rel.Name, ["required"] = false, ["in"] = "body",
                ["schema"] = new JsonObject { ["$ref"] = "#/definitions/" + rel.Name },
            };
            foreach (var c in rel.Columns)
            {
                parameters[$"rowFilter.{rel.Name}.{c.Name}"] = new JsonObject
                {
                    ["name"] = c.Name, ["required"] = false, ["in"] = "query", ["type"] = "string", ["format"] = c.Type,
                };
            }
            var tag = new JsonArray(rel.Name);
            var ops = new JsonObject
            {
                ["get"] = Operation(tag, rel.Comment, ["rowFilter", "select", "order", "range", "rangeUnit", "offset", "limit", "preferCount"], "200", rel.Name, true, rel.Columns.Select(c => c.Name)),
            };
            if (rel.Insertable) ops["post"] = Operation(tag, null, ["body", "select", "preferPost"], "201", rel.Name, false, rel.Columns.Select(c => c.Name));
            if (rel.Updatable) ops["patch"] = Operation(tag, null, ["rowFilter", "body", "preferReturn"], "204", rel.Name, false, rel.Columns.Select(c => c.Name));
            if (rel.Deletable) ops["delete"] = Operation(tag, null, ["rowFilter", "preferReturn"], "204", rel.Name, false, rel.Columns.Select(c => c.Name));
            paths["/" + rel.Name] = ops;
        }
        foreach (var (key, all) in cache.Functions.Where(f => f.Key.Schema == schema).OrderBy(f => f.Key.Name, StringComparer.Ordinal))
        {
            var fns = accessible is null ? all : all.Where(f => accessible.Functions.Contains(f.Oid)).ToList();
            if (fns.Count == 0) continue;
            var fn = fns[0];
            var props = new JsonObject();
            foreach (var p in fn.Params.Where(p => p.Name.Length > 0)) props[p.Name] = TypeOf(p.Type);
            var body = new JsonObject
            {
                ["in"] = "body",
                ["name"] = "args",
                ["required"] = true,
                ["schema"] = new JsonObject
                {
                    ["type"] = "object",
                    ["properties"] = props,
                    ["required"] = new JsonArray(fn.Params.Where(p => !p.HasDefault && p.Name.Length > 0).Select(p => (JsonNode)JsonValue.Create(p.Name)!).ToArray()),
                },
            };
            var post = new JsonObject
            {
                ["parameters"] = new JsonArray(body, new JsonObject { ["$ref"] = "#/parameters/preferParams" }),
                ["produces"] = new JsonArray("application/json", "application/vnd.pgrst.object+json"),
                ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK" } },
                ["tags"] = new JsonArray("(rpc) " + key.Name),
            };
            var ops = new JsonObject { ["post"] = post };
            if (fn.Volatility != 'v')
            {
                var query = new JsonArray();
                foreach (var p in fn.Params.Where(p => p.Name.Length > 0))
                {
                    var t = TypeOf(p.Type);
                    t["in"] = "query";
                    t["name"] = p.Name;
                    t["required"] = !p.HasDefault;
                    query.Add(t);
                }
                ops["get"] = new JsonObject
                {
                    ["parameters"] = query,
                    ["produces"] = new JsonArray("application/json", "application/vnd.pgrst.object+json"),
                    ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK" } },
                    ["tags"] = new JsonArray("(rpc) " + key.Name),
                };
            }
            paths["/rpc/" + key.Name] = ops;
        }
        return new JsonObject
        {
            ["swagger"] = "2.0",
            ["info"] = new JsonObject { ["description"] = "", ["title"] = "Supacs REST API", ["version"] = "12.2.0 (supacs)" },
            ["host"] = host,
            ["basePath"] = basePath,
            ["schemes"] = new JsonArray(scheme),
            ["consumes"] = new JsonArray("application/json", "application/vnd.pgrst.object+json;nulls=stripped", "application/vnd.pgrst.object+json", "text/csv"),
            ["produces"] = new JsonArray("application/json", "application/vnd.pgrst.object+json;nulls=stripped", "application/vnd.pgrst.object+json", "text/csv"),
            ["paths"] = paths,
            ["definitions"] = definitions,
            ["parameters"] = parameters,
            ["externalDocs"] = new JsonObject { ["description"] = "PostgREST Documentation", ["url"] = "https://postgrest.org/en/v12/references/api.html" },
        };
    }

    private static JsonObject Operation(JsonArray tag, string? summary, string[] refs, string status, string table, bool isGet, IEnumerable<string> columns)
    {
        var parameters = new JsonArray();
        foreach (var r in refs)
        {
            if (r == "rowFilter")
            {
                foreach (var c in columns) parameters.Add(new JsonObject { ["$ref"] = $"#/parameters/rowFilter.{table}.{c}" });
                continue;
            }
            parameters.Add(r == "body"
                ? new JsonObject { ["$ref"] = "#/parameters/body." + table }
                : new JsonObject { ["$ref"] = "#/parameters/" + r });
        }
        var response = new JsonObject { ["description"] = isGet ? "OK" : status == "201" ? "Created" : "No Content" };
        if (isGet) response["schema"] = new JsonObject { ["items"] = new JsonObject { ["$ref"] = "#/definitions/" + table }, ["type"] = "array" };
        var op = new JsonObject
        {
            ["parameters"] = parameters,
            ["responses"] = new JsonObject { [status] = response },
            ["tags"] = tag.DeepClone(),
        };
        if (summary is not null) op["summary"] = summary;
        return op;
    }

    private static JsonObject Definition(Relation rel)
    {
        var props = new JsonObject();
        foreach (var c in rel.Columns)
        {
            var t = TypeOf(c.Type);
            if (c.IsPrimaryKey) t["description"] = "Note:\nThis is a Primary Key.<pk/>";
            if (c.Default is { } d) t["default"] = d;
            props[c.Name] = t;
        }
        var required = rel.Columns.Where(c => !c.Nullable && c.Default is null).Select(c => (JsonNode)JsonValue.Create(c.Name)!).ToArray();
        var def = new JsonObject { ["properties"] = props, ["type"] = "object" };
        if (required.Length > 0) def["required"] = new JsonArray(required);
        if (rel.Comment is not null) def["description"] = rel.Comment;
        return def;
    }

    internal static JsonObject TypeOf(string pgType)
    {
        if (pgType.EndsWith("[]", StringComparison.Ordinal))
        {
            var items = new JsonObject();
            if (JsonType(pgType[..^2]) is { } itemType) items["type"] = itemType;
            return new JsonObject { ["format"] = pgType, ["items"] = items, ["type"] = "array" };
        }
        var type = JsonType(pgType);
        var o = new JsonObject { ["format"] = pgType };
        if (type is not null) o["type"] = type;
        return o;
    }

    private static string? JsonType(string pgType) => pgType switch
    {
        "smallint" or "integer" or "bigint" => "integer",
        "numeric" or "real" or "double precision" => "number",
        "boolean" => "boolean",
        "json" or "jsonb" => null,
        _ when pgType.StartsWith("numeric", StringComparison.Ordinal) => "number",
        _ => "string",
    };

    private static JsonObject Parameters()
    {
        static JsonObject Header(string name, string description, params string[] values)
        {
            var o = new JsonObject { ["name"] = "Prefer", ["description"] = description, ["required"] = false, ["in"] = "header", ["type"] = "string" };
            if (values.Length > 0) o["enum"] = new JsonArray(values.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray());
            _ = name;
            return o;
        }
        static JsonObject Query(string name, string description) =>
            new() { ["name"] = name, ["description"] = description, ["required"] = false, ["in"] = "query", ["type"] = "string" };
        return new JsonObject
        {
            ["preferParams"] = Header("preferParams", "Preference", "params=single-object"),
            ["preferReturn"] = Header("preferReturn", "Preference", "return=representation", "return=minimal", "return=none"),
            ["preferCount"] = Header("preferCount", "Preference", "count=none"),
            ["preferPost"] = Header("preferPost", "Preference", "return=representation", "return=minimal", "return=none", "resolution=ignore-duplicates", "resolution=merge-duplicates"),
            ["select"] = Query("select", "Filtering Columns"),
            ["on_conflict"] = Query("on_conflict", "On Conflict"),
            ["order"] = Query("order", "Ordering"),
            ["range"] = new JsonObject { ["name"] = "Range", ["description"] = "Limiting and Pagination", ["required"] = false, ["in"] = "header", ["type"] = "string" },
            ["rangeUnit"] = new JsonObject { ["name"] = "Range-Unit", ["description"] = "Limiting and Pagination", ["required"] = false, ["default"] = "items", ["in"] = "header", ["type"] = "string" },
            ["offset"] = Query("offset", "Limiting and Pagination"),
            ["limit"] = Query("limit", "Limiting and Pagination"),
        };
    }
}
