using Microsoft.Extensions.Logging;

namespace Supacs.Functions;

internal static partial class FunctionsLog
{
    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "[{Function}] {Text}")]
    public static partial void ConsoleInfo(ILogger logger, string function, string text);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Warning, Message = "[{Function}] {Text}")]
    public static partial void ConsoleWarn(ILogger logger, string function, string text);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Error, Message = "[{Function}] {Text}")]
    public static partial void ConsoleError(ILogger logger, string function, string text);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Debug, Message = "[{Function}] {Text}")]
    public static partial void ConsoleDebug(ILogger logger, string function, string text);

    [LoggerMessage(EventId = 7010, Level = LogLevel.Error, Message = "Function {Function} failed to boot: {Cause}")]
    public static partial void BootFailed(ILogger logger, string function, string cause);

    [LoggerMessage(EventId = 7011, Level = LogLevel.Error, Message = "Function {Function} threw: {Cause}")]
    public static partial void WorkerError(ILogger logger, string function, string cause);

    [LoggerMessage(EventId = 7012, Level = LogLevel.Error, Message = "Function {Function} hit a resource limit: {Limit}")]
    public static partial void WorkerLimit(ILogger logger, string function, string limit);

    [LoggerMessage(EventId = 7013, Level = LogLevel.Information, Message = "Function {Function} booted in {Milliseconds} ms")]
    public static partial void Booted(ILogger logger, string function, long milliseconds);

    [LoggerMessage(EventId = 7014, Level = LogLevel.Information, Message = "Function {Function} changed on disk; reloading")]
    public static partial void Reloading(ILogger logger, string function);
}
