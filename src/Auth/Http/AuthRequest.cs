using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Npgsql;
using Supacs.Auth.Config;
using Supacs.Core.Projects;

namespace Supacs.Auth.Http;

/// <summary>One Auth API request: its HttpContext, project, settings and helpers for the body and query.</summary>
internal sealed class AuthRequest(HttpContext http, SupacsProject project, AuthRuntime runtime)
{
    /// <summary>GoTrue refuses bodies over 1 MB.</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    private JsonElement? _body;

    public HttpContext Http { get; } = http;
    public SupacsProject Project { get; } = project;
    public AuthRuntime Runtime { get; } = runtime;
    public AuthOptions Options => Runtime.Options;

    /// <summary>GoTrue works as its own privileged role; writes to auth.* fire app triggers in the same database.</summary>
    public NpgsqlDataSource Db => Project.Database.Admin;

    public CancellationToken Aborted => Http.RequestAborted;

    public string? Query(string name) => Http.Request.Query.TryGetValue(name, out var v) ? v.ToString() : null;

    /// <summary>The JSON body as an object (an empty object when there is no body). Bad JSON → 400 bad_json.</summary>
    public async Task<JsonElement> BodyAsync()
    {
        if (_body is { } cached) return cached;
        var request = Http.Request;
        if (request.ContentLength > MaxBodyBytes)
            throw new AuthException(413, "request_entity_too_large", "Request body too large");
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, Aborted).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes) throw new AuthException(413, "request_entity_too_large", "Request body too large");
            buffer.Write(chunk, 0, read);
        }
        JsonElement body;
        if (buffer.Length == 0) body = JsonDocument.Parse("{}").RootElement.Clone();
        else
        {
            try
            {
                using var doc = JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
                body = doc.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw AuthException.BadRequest("bad_json", "Could not parse request body as JSON: " + e.Message);
            }
            if (body.ValueKind != JsonValueKind.Object)
                throw AuthException.BadRequest("bad_json", "Could not parse request body as JSON: expected an object");
        }
        _body = body;
        return body;
    }

    public async Task<string?> StringAsync(string name)
    {
        var body = await BodyAsync().ConfigureAwait(false);
        return Str(body, name);
    }

    public static string? Str(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static bool? Bool(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;

    public static JsonElement? Obj(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object ? v : null;

    /// <summary>The client's IP (Sb-Forwarded-For / X-Forwarded-For first, as GoTrue behind Kong sees it).</summary>
    public string ClientIp
    {
        get
        {
            var fwd = Http.Request.Headers["X-Forwarded-For"].ToString();
            if (fwd.Length > 0) return fwd.Split(',')[0].Trim();
            return Http.Connection.RemoteIpAddress?.ToString() ?? "127.0.0.1";
        }
    }

    public string UserAgent => Http.Request.Headers.UserAgent.ToString();
}
