using System.Text.Json.Nodes;

namespace Supacs.Rest;

/// <summary>
/// A PostgREST error: HTTP status and the <c>{code, message, details, hint}</c> body. Thrown anywhere
/// in the request path (parser, planner, endpoints) and written by the endpoint's error handler.
/// </summary>
internal sealed class RestException(int status, string code, string message, JsonNode? details = null, string? hint = null)
    : Exception(message)
{
    public RestException(int status, string code, string message, string? details, string? hint = null)
        : this(status, code, message, details is null ? null : JsonValue.Create(details), hint)
    {
    }

    public int Status { get; } = status;
    public string Code { get; } = code;
    public JsonNode? Details { get; } = details;
    public string? Hint { get; } = hint;

    /// <summary>Extra response headers (e.g. WWW-Authenticate on 401).</summary>
    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);

    public static RestException Parse(string parameter, string value, int column, string details) =>
        new(400, "PGRST100", $"\"failed to parse {parameter} parameter ({value})\" (line 1, column {column})", details);

    public static RestException ParseFilter(string value, int column, string details) =>
        new(400, "PGRST100", $"\"failed to parse filter ({value})\" (line 1, column {column})", details);

    public static RestException ParseLogic(string value, int column, string details) =>
        new(400, "PGRST100", $"\"failed to parse logic tree ({value})\" (line 1, column {column})", details);

    public string ToJson()
    {
        var o = new JsonObject
        {
            ["code"] = Code,
            ["details"] = Details?.DeepClone(),
            ["hint"] = Hint,
            ["message"] = Message,
        };
        return o.ToJsonString();
    }
}

/// <summary>
/// Ends a request whose response is its execution plan (<c>vnd.pgrst.plan</c>): thrown once the EXPLAIN ran,
/// written by <see cref="Http.RestResponses.HandleAsync"/> as 200 with the plan media type.
/// </summary>
internal sealed class PlanResponse(string body, string contentType) : Exception("execution plan response")
{
    public string Body { get; } = body;
    public string ContentType { get; } = contentType;
}
