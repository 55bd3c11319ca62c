using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Supacs.Rest.Http;

/// <summary>Writing REST responses: errors in PostgREST's shape, the response GUCs, bodies, Content-Range.</summary>
internal static partial class RestResponses
{
    public const string Json = "application/json; charset=utf-8";

    /// <summary>Runs an endpoint body and turns any RestException into PostgREST's error response.</summary>
    public static async Task HandleAsync(HttpContext http, Func<Task> body)
    {
        try
        {
            await body().ConfigureAwait(false);
        }
        catch (RestException e)
        {
            await WriteErrorAsync(http, e).ConfigureAwait(false);
        }
        catch (PlanResponse plan)
        {
            if (!http.Response.HasStarted)
            {
                http.Response.Clear();
                await WriteBodyAsync(http, 200, plan.Body, plan.ContentType).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            var log = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Supacs.Rest");
            LogUnexpected(log, e);
            await WriteErrorAsync(http, Unexpected(e)).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// An error that is not PostgreSQL's: no pooled connection within the pool's timeout is PGRST003 (504), another
    /// client or connection failure PGRST000 (503), anything else PGRSTX00 (500).
    /// </summary>
    public static RestException Unexpected(Exception e)
    {
        if (e is Npgsql.NpgsqlException { InnerException: TimeoutException } && e.Message.Contains("pool", StringComparison.OrdinalIgnoreCase))
            return new RestException(504, "PGRST003", "Timed out acquiring connection from connection pool.", (string?)null);
        var status = e is Npgsql.NpgsqlException or TimeoutException ? 503 : 500;
        return new RestException(status, status == 503 ? "PGRST000" : "PGRSTX00",
            status == 503 ? "Database client error. Retrying the connection." : "Internal server error", e.GetType().Name + ": " + e.Message);
    }

    public static async Task WriteErrorAsync(HttpContext http, RestException e)
    {
        if (http.Response.HasStarted) return;
        ServerTiming.Discard(http);
        http.Response.Clear();
        http.Response.StatusCode = e.Status;
        foreach (var (k, v) in e.Headers) http.Response.Headers[k] = v;
        http.Response.ContentType = Json;
        var bytes = Encoding.UTF8.GetBytes(e.ToJson());
        http.Response.ContentLength = bytes.Length;
        if (!HttpMethods.IsHead(http.Request.Method)) await http.Response.Body.WriteAsync(bytes, http.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Applies <c>response.headers</c> and <c>response.status</c> set by SQL; returns the status to use.</summary>
    public static int ApplyGucs(HttpContext http, StatementResult result, int status)
    {
        if (result.ResponseHeaders is { } headers)
        {
            try
            {
                using var doc = JsonDocument.Parse(headers);
                if (doc.RootElement.ValueKind != JsonValueKind.Array) throw new JsonException();
                foreach (var item in doc.RootElement.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.Object) throw new JsonException();
                    foreach (var p in item.EnumerateObject()) http.Response.Headers[p.Name] = p.Value.ToString();
                }
            }
            catch (JsonException)
            {
                throw new RestException(500, "PGRST111", "response.headers guc must be a JSON array composed of objects with a single key and a string value", (string?)null);
            }
        }
        if (result.ResponseStatus is { } s)
        {
            if (!int.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out var code) || code < 100 || code > 599)
                throw new RestException(500, "PGRST112", "response.status guc must be a valid status code", (string?)null);
            status = code;
        }
        return status;
    }

    public static async Task WriteBodyAsync(HttpContext http, int status, string? body, string contentType = Json, bool base64 = false)
    {
        http.Response.StatusCode = status;
        if (body is null || status == 204)
        {
            http.Response.ContentLength = 0;
            return;
        }
        // A Content-Type set through response.headers wins (e.g. a "*/*" media type handler naming what it produced).
        if (!http.Response.Headers.ContainsKey("Content-Type")) http.Response.ContentType = contentType;
        if (base64)
        {
            var bytes = Convert.FromBase64String(body);
            http.Response.ContentLength = bytes.Length;
            if (!HttpMethods.IsHead(http.Request.Method)) await http.Response.Body.WriteAsync(bytes, http.RequestAborted).ConfigureAwait(false);
            return;
        }
        http.Response.ContentLength = Encoding.UTF8.GetByteCount(body);
        if (HttpMethods.IsHead(http.Request.Method)) return;
        // Encoded straight into Kestrel's output buffer (no byte[] of the whole body per response).
        var writer = http.Response.BodyWriter;
        Encoding.UTF8.GetBytes(body.AsSpan(), writer);
        await writer.FlushAsync(http.RequestAborted).ConfigureAwait(false);
    }

    /// <summary><c>first-last/total</c>; <c>*</c> for an empty page or an unknown total.</summary>
    public static string ContentRange(long offset, long pageTotal, long? total)
    {
        var range = pageTotal <= 0 ? "*" : $"{offset}-{offset + pageTotal - 1}";
        return $"{range}/{(total is { } t ? t.ToString(System.Globalization.CultureInfo.InvariantCulture) : "*")}";
    }

    public static void SetPreferenceApplied(HttpContext http, Preferences prefer)
    {
        if (prefer.Applied.Count > 0)
            http.Response.Headers["Preference-Applied"] = prefer.Applied.Count == 1 ? prefer.Applied[0] : string.Join(", ", prefer.Applied.OrderBy(AppliedRank));
    }

    /// <summary>PostgREST lists applied preferences in a fixed order (resolution, missing, return, count, tx, handling, …).</summary>
    private static int AppliedRank(string preference) => preference[..Math.Max(0, preference.IndexOf('=', StringComparison.Ordinal))] switch
    {
        "resolution" => 0,
        "missing" => 1,
        "return" => 2,
        "count" => 3,
        "tx" => 4,
        "handling" => 5,
        "timezone" => 6,
        "max-affected" => 7,
        _ => 8,
    };

    [LoggerMessage(EventId = 9010, Level = LogLevel.Error, Message = "REST request failed unexpectedly")]
    private static partial void LogUnexpected(ILogger log, Exception e);
}
