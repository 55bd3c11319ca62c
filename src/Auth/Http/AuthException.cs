namespace Supacs.Auth.Http;

/// <summary>A GoTrue API error: HTTP status, error_code and message, written in the shape the request asks for.</summary>
internal sealed class AuthException(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;
    public string Code { get; } = code;

    /// <summary>Reasons for weak_password errors (length, characters, pwned).</summary>
    public IReadOnlyList<string>? WeakPasswordReasons { get; init; }

    /// <summary>When set, the OAuth shape <c>{error, error_description}</c> is used (refresh/id_token grants, callbacks).</summary>
    public string? OAuthError { get; init; }

    public static AuthException BadRequest(string code, string message) => new(400, code, message);
    public static AuthException Unprocessable(string code, string message) => new(422, code, message);
    public static AuthException Forbidden(string code, string message) => new(403, code, message);
    public static AuthException NotFound(string code, string message) => new(404, code, message);
    public static AuthException Validation(string message) => new(400, "validation_failed", message);
    public static AuthException OAuth(string error, string description) => new(400, "", description) { OAuthError = error };
}
