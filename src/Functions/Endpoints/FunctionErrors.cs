using System.Text;
using Microsoft.AspNetCore.Http;

namespace Supacs.Functions.Endpoints;

/// <summary>The platform's error bodies (edge-runtime and the CLI's local router), pre-encoded.</summary>
internal static class FunctionErrors
{
    public static readonly byte[] NotFound = Json("{\"code\":\"NOT_FOUND\",\"message\":\"Requested function was not found\"}");
    public static readonly byte[] WorkerError = Json("{\"code\":\"WORKER_ERROR\",\"message\":\"Function exited due to an error (please check logs)\"}");
    public static readonly byte[] BootError = Json("{\"code\":\"BOOT_ERROR\",\"message\":\"Worker failed to boot (please check logs)\"}");
    public static readonly byte[] WorkerLimit = Json("{\"code\":\"WORKER_LIMIT\",\"message\":\"Worker failed to respond due to a resource limit (please check logs)\"}");
    public static readonly byte[] MissingAuth = Json("{\"msg\":\"Error: Missing authorization header\"}");
    public static readonly byte[] NotBearer = Json("{\"msg\":\"Error: Auth header is not 'Bearer {token}'\"}");
    public static readonly byte[] InvalidJwt = Json("{\"msg\":\"Invalid JWT\"}");
    public static readonly byte[] TooLarge = Json("{\"code\":\"PAYLOAD_TOO_LARGE\",\"message\":\"Request body is too large\"}");
    public static readonly byte[] MethodNotAllowed = Json("{\"code\":\"METHOD_NOT_ALLOWED\",\"message\":\"Method not allowed\"}");

    public const int WorkerLimitStatus = 546;

    private static byte[] Json(string s) => Encoding.UTF8.GetBytes(s);

    public static async Task WriteAsync(HttpContext context, int status, byte[] body, string? code = null)
    {
        var response = context.Response;
        if (response.HasStarted) return;
        response.Clear();
        response.StatusCode = status;
        response.ContentType = "application/json";
        if (code is not null) response.Headers["sb-error-code"] = code;
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }
}
