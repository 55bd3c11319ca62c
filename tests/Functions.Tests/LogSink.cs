using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Supacs.Functions.Tests;

/// <summary>Collects the host's log lines so tests can assert on them (console output, boot causes).</summary>
public sealed class LogSink : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public string Dump() => string.Join("\n", Lines);

    public void Dispose()
    {
    }

    private sealed class Logger(LogSink sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => category.StartsWith("Supacs", StringComparison.Ordinal);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) sink.Lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}");
        }
    }
}
