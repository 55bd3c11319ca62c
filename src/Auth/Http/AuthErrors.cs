using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Supacs.Auth.Http;

/// <summary>
/// Writes errors the way GoTrue does: <c>{code, message}</c> when the request's X-Supabase-Api-Version is
/// 2024-01-01 or later (and the header is echoed so auth-js reads <c>code</c>), the legacy
/// <c>{code, error_code, msg}</c> otherwise, and always the <c>x-sb-error-code</c> header.
/// </summary>
internal static class AuthErrors
{
    public const string ApiVersionHeader = "X-Supabase-Api-Version";
    public const string ApiVersion20240101 = "2024-01-01";

    public static bool WantsVersionedErrors(HttpRequest request)
    {
        var v = request.Headers[ApiVersionHeader].ToString();
        return v.Length == 10 && DateOnly.TryParseExact(v, "yyyy-MM-dd", out var date) && date >= new DateOnly(2024, 1, 1);
    }

    public static async Task WriteAsync(HttpContext context, AuthException error)
    {
        var response = context.Response;
        response.StatusCode = error.Status;
        response.ContentType = "application/json";
        var code = error.Code.Length > 0 ? error.Code : error.Status >= 500 ? "unexpected_failure" : "unknown";
        if (error.OAuthError is null) response.Headers["x-sb-error-code"] = code;
        var versioned = WantsVersionedErrors(context.Request);
        if (versioned) response.Headers[ApiVersionHeader] = ApiVersion20240101;

        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            if (error.OAuthError is not null)
            {
                w.WriteString("error", error.OAuthError);
                w.WriteString("error_description", error.Message);
            }
            else if (versioned)
            {
                w.WriteString("code", code);
                w.WriteString("message", error.Message);
            }
            else
            {
                w.WriteNumber("code", error.Status);
                w.WriteString("error_code", code);
                w.WriteString("msg", error.Message);
                if (error.Status >= 500) w.WriteString("error_id", context.TraceIdentifier);
            }
            if (error.WeakPasswordReasons is { } reasons)
            {
                w.WriteStartObject("weak_password");
                w.WriteStartArray("reasons");
                foreach (var r in reasons) w.WriteStringValue(r);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        response.ContentLength = buffer.Length;
        await response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted).ConfigureAwait(false);
    }
}
