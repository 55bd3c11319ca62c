using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Supacs.Storage.Http;

/// <summary>JSON bodies written with Utf8JsonWriter straight to the response, and request bodies read as JsonElement.</summary>
internal static class Json
{
    public static async Task WriteAsync(HttpResponse response, Action<Utf8JsonWriter> write, int status = 200)
    {
        response.StatusCode = status;
        response.ContentType = "application/json; charset=utf-8";
        await using var writer = new Utf8JsonWriter(response.Body);
        write(writer);
        await writer.FlushAsync().ConfigureAwait(false);
    }

    public static Task MessageAsync(HttpResponse response, string message) =>
        WriteAsync(response, w =>
        {
            w.WriteStartObject();
            w.WriteString("message", message);
            w.WriteEndObject();
        });

    /// <summary>Reads a JSON object body; an empty or non-object body gives an empty object.</summary>
    public static async Task<JsonElement> ReadBodyAsync(HttpRequest request)
    {
        try
        {
            using var doc = await JsonDocument.ParseAsync(request.Body).ConfigureAwait(false);
            return doc.RootElement.ValueKind == JsonValueKind.Object ? doc.RootElement.Clone() : EmptyObject;
        }
        catch (JsonException)
        {
            if (request.ContentLength is null or 0) return EmptyObject;
            throw StorageError.InvalidRequest("Body is not valid JSON");
        }
    }

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    public static string? String(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static int? Int(JsonElement obj, string name)
    {
        if (!obj.TryGetProperty(name, out var v)) return null;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i)) return i;
        if (v.ValueKind == JsonValueKind.String && int.TryParse(v.GetString(), CultureInfo.InvariantCulture, out var s)) return s;
        return null;
    }

    public static bool? Bool(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String when bool.TryParse(v.GetString(), out var b) => b,
            _ => null,
        } : null;

    /// <summary>ISO-8601 UTC with milliseconds, as upstream serialises timestamps.</summary>
    public static string Time(DateTime t) => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static void WriteTime(Utf8JsonWriter w, string name, DateTime? t)
    {
        if (t is null) w.WriteNull(name);
        else w.WriteString(name, Time(t.Value));
    }

    public static void WriteRaw(Utf8JsonWriter w, string name, string? json)
    {
        w.WritePropertyName(name);
        if (json is null) w.WriteNullValue();
        else w.WriteRawValue(json, skipInputValidation: true);
    }
}
