using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Npgsql;

namespace Supacs.Storage.Http;

/// <summary>
/// A Storage API error: Supabase's body <c>{statusCode, error, message, code}</c> with the semantic status
/// as a string, sent with HTTP 400 for every 4xx and 500 for 5xx (upstream's legacy behaviour storage-js
/// relies on) unless <see cref="HttpStatus"/> says otherwise.
/// </summary>
internal sealed class StorageError(string statusCode, string error, string message, string code, int? httpStatus = null) : Exception(message)
{
    public string StatusCode { get; } = statusCode;
    public string Error { get; } = error;
    public string Code { get; } = code;
    public int HttpStatus { get; } = httpStatus ?? (statusCode.StartsWith('5') ? 500 : 400);

    public static StorageError BucketNotFound() => new("404", "Bucket not found", "Bucket not found", "NoSuchBucket");
    public static StorageError ObjectNotFound() => new("404", "not_found", "Object not found", "NoSuchKey");
    public static StorageError Duplicate(string code = "KeyAlreadyExists") => new("409", "Duplicate", "The resource already exists", code);
    public static StorageError TooLarge() => new("413", "Payload too large", "The object exceeded the maximum allowed size", "EntityTooLarge");
    public static StorageError MimeNotSupported(string mime) => new("415", "invalid_mime_type", $"mime type {mime} is not supported", "InvalidMimeType");
    public static StorageError AccessDenied(string message = "new row violates row-level security policy") =>
        new("403", "Unauthorized", message, "AccessDenied");
    public static StorageError InvalidKey(string key) => new("400", "InvalidKey", $"Invalid key: {key}", "InvalidKey");
    public static StorageError InvalidBucketName(string name) => new("400", "Invalid Input", $"Bucket name invalid: {name}", "InvalidBucketName");
    public static StorageError InvalidRequest(string message) => new("400", "Invalid Input", message, "InvalidRequest");
    public static StorageError MissingParameter(string name) => new("400", "Error", $"body must have required property '{name}'", "MissingParameter");
    public static StorageError InvalidJwt(string message) => new("400", "InvalidJWT", message, "InvalidJWT");
    public static StorageError ExpiredToken() => new("400", "ExpiredToken", "The provided token has expired.", "ExpiredToken");
    public static StorageError BucketNotEmpty() => new("409", "Bucket not empty", "The bucket you tried to delete is not empty", "ResourceNotEmpty");
    public static StorageError Internal(string message) => new("500", "Internal", message, "InternalError");

    /// <summary>Maps a database error to upstream's codes (RLS → AccessDenied, unique → Duplicate, …).</summary>
    public static StorageError FromPostgres(PostgresException e) => e.SqlState switch
    {
        "42501" => AccessDenied(e.MessageText.StartsWith("new row violates row-level security policy", StringComparison.Ordinal)
            ? "new row violates row-level security policy" : e.MessageText),
        "23505" => Duplicate("ResourceAlreadyExists"),
        "23503" => new("400", "Invalid Input", e.MessageText, "ResourceReferenced"),
        "55P03" => new("423", "ResourceLocked", "The resource is locked", "ResourceLocked"),
        "57014" => new("544", "DatabaseTimeout", "The connection to the database timed out", "DatabaseTimeout", 544),
        "22P02" => new("400", "Invalid Input", e.MessageText, "InvalidParameter"),
        _ => new("500", "Internal", e.MessageText, "DatabaseError"),
    };

    /// <summary>The semantic status as an HTTP status (for the opt-in real-status mode).</summary>
    public int SemanticStatus => int.TryParse(StatusCode, System.Globalization.CultureInfo.InvariantCulture, out var s) && s is >= 400 and < 600 ? s : HttpStatus;

    public async Task WriteAsync(HttpResponse response, bool realStatus = false)
    {
        if (response.HasStarted) return;
        response.StatusCode = realStatus && HttpStatus is 400 or 500 ? SemanticStatus : HttpStatus;
        response.ContentType = "application/json; charset=utf-8";
        await using var writer = new Utf8JsonWriter(response.Body);
        writer.WriteStartObject();
        writer.WriteString("statusCode", StatusCode);
        writer.WriteString("code", Code);
        writer.WriteString("error", Error);
        writer.WriteString("message", Message);
        writer.WriteEndObject();
        await writer.FlushAsync().ConfigureAwait(false);
    }
}
