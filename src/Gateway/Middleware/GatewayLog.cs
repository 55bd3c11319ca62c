namespace Supacs.Gateway.Middleware;

/// <summary>The gateway's log messages (event ids 1000–1099).</summary>
internal static partial class GatewayLog
{
    public const string RequestCategory = "Supacs.Requests";

    [LoggerMessage(EventId = 1000, Level = LogLevel.Information,
        Message = "{Method} {Path} {StatusCode} {DurationMs:0.0}ms module={Module}")]
    public static partial void Request(ILogger logger, string method, string path, int statusCode, double durationMs, string module);
}
