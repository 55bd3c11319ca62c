using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Supacs.Auth.Http;

/// <summary>Writes a JSON body built with a Utf8JsonWriter, with a Content-Length.</summary>
internal static class JsonResponse
{
    public static async Task WriteAsync(HttpContext context, int status, Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer)) write(w);
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength = buffer.Length;
        if (AuthErrors.WantsVersionedErrors(context.Request)) response.Headers[AuthErrors.ApiVersionHeader] = AuthErrors.ApiVersion20240101;
        await response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted).ConfigureAwait(false);
    }

    public static Task EmptyObjectAsync(HttpContext context) => WriteAsync(context, 200, w => { w.WriteStartObject(); w.WriteEndObject(); });
}
