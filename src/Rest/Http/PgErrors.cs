using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;

namespace Supacs.Rest.Http;

/// <summary>PostgreSQL errors as PostgREST reports them: SQLSTATE → HTTP status, RAISE 'PGRST' and PTnnn.</summary>
internal static class PgErrors
{
    public static RestException From(PostgresException e, bool authenticated)
    {
        if (e.SqlState == "PGRST") return FromCustom(e);
        var status = Status(e.SqlState, e.MessageText, authenticated);
        var error = new RestException(status, e.SqlState, e.MessageText, e.Detail is null ? null : JsonValue.Create(e.Detail), e.Hint);
        if (status == 401) error.Headers["WWW-Authenticate"] = "Bearer";
        return error;
    }

    public static int Status(string code, string message, bool authenticated)
    {
        if (code.StartsWith("PT", StringComparison.Ordinal) && int.TryParse(code.AsSpan(2), out var pt) && pt is >= 100 and <= 599) return pt;
        return code switch
        {
            "42501" => authenticated ? 403 : 401,
            "42883" => message.Contains("xmlagg(", StringComparison.Ordinal) ? 406 : 404,
            "42P01" => 404,
            "25006" => 405,
            "23503" or "23505" => 409,
            "21000" when message.Contains("requires a WHERE clause", StringComparison.Ordinal) => 400,
            "21000" => 500,
            "42P17" or "53400" or "57P01" => code == "57P01" ? 503 : 500,
            _ when code.StartsWith("08", StringComparison.Ordinal) => 503,
            _ when code.StartsWith("0L", StringComparison.Ordinal) || code.StartsWith("0P", StringComparison.Ordinal) || code.StartsWith("28", StringComparison.Ordinal) => 403,
            "P0001" => 400,
            _ when code.StartsWith("53", StringComparison.Ordinal) => 503,
            _ when code.StartsWith("09", StringComparison.Ordinal) || code.StartsWith("25", StringComparison.Ordinal)
                || code.StartsWith("2D", StringComparison.Ordinal) || code.StartsWith("38", StringComparison.Ordinal)
                || code.StartsWith("39", StringComparison.Ordinal) || code.StartsWith("3B", StringComparison.Ordinal)
                || code.StartsWith("40", StringComparison.Ordinal) || code.StartsWith("54", StringComparison.Ordinal)
                || code.StartsWith("55", StringComparison.Ordinal) || code.StartsWith("57", StringComparison.Ordinal)
                || code.StartsWith("58", StringComparison.Ordinal) || code.StartsWith("F0", StringComparison.Ordinal)
                || code.StartsWith("HV", StringComparison.Ordinal) || code.StartsWith("P0", StringComparison.Ordinal)
                || code.StartsWith("XX", StringComparison.Ordinal) => 500,
            _ => 400,
        };
    }

    /// <summary><c>RAISE SQLSTATE 'PGRST' USING message = '{"code":..}', detail = '{"status":..,"headers":..}'</c>.</summary>
    private static RestException FromCustom(PostgresException e)
    {
        try
        {
            var msg = JsonNode.Parse(e.MessageText)!.AsObject();
            var detail = JsonNode.Parse(e.Detail ?? "")!.AsObject();
            var status = detail["status"]!.GetValue<int>();
            var error = new RestException(status, msg["code"]?.GetValue<string>() ?? "",
                msg["message"]?.GetValue<string>() ?? "", msg["details"]?.DeepClone(), msg["hint"]?.GetValue<string>());
            if (detail["headers"] is JsonObject headers)
                foreach (var (k, v) in headers) error.Headers[k] = v?.ToString() ?? "";
            return error;
        }
        catch (Exception x) when (x is JsonException or InvalidOperationException or NullReferenceException or FormatException)
        {
            return new RestException(500, "PGRST121", "Could not parse JSON in the \"RAISE SQLSTATE 'PGRST'\" error",
                "Invalid JSON value for MESSAGE: '" + e.MessageText + "'", "MESSAGE must be a JSON object with obligatory keys: 'code', 'message' and optional keys: 'details', 'hint'.");
        }
    }
}
