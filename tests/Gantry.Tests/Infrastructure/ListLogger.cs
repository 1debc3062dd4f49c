using System.Collections.Concurrent;

namespace Gantry.Tests.Infrastructure;

/// <summary>A logger that keeps every entry at or above <see cref="MinimumLevel"/>.</summary>
internal sealed class ListLogger<T> : ILogger<T>
{
    private readonly ConcurrentQueue<LogRecord> _records = new();

    public LogLevel MinimumLevel { get; init; } = LogLevel.Trace;

    public IReadOnlyList<LogRecord> Records => _records.ToArray();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= MinimumLevel;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
        Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        var fields = state as IEnumerable<KeyValuePair<string, object?>> ?? [];
        _records.Enqueue(new LogRecord(logLevel, eventId, formatter(state, exception),
            fields.ToDictionary(pair => pair.Key, pair => pair.Value)));
    }
}

/// <summary>One captured log entry.</summary>
internal sealed record LogRecord(LogLevel Level, EventId EventId, string Message, IReadOnlyDictionary<string, object?> Fields);
