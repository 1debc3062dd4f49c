using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Gantry.Logging;

/// <summary>
/// Writes each log entry as one JSON object on one line: <c>timestamp</c> (UTC, ISO 8601), <c>level</c>,
/// <c>category</c>, <c>eventId</c>, <c>eventName</c>, <c>message</c>, <c>requestId</c>, <c>traceId</c>,
/// <c>spanId</c>, then the entry's structured fields and those of its scopes under their own names, and
/// <c>exception</c> when there is one.
/// </summary>
public sealed class JsonLogFormatter : ConsoleFormatter
{
    /// <summary>The name to select this formatter with.</summary>
    public const string FormatterName = "gantry-json";

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly TimeProvider _time;

    /// <summary>Creates the formatter with the system clock.</summary>
    public JsonLogFormatter()
        : this(TimeProvider.System)
    {
    }

    /// <summary>Creates the formatter with <paramref name="time"/> as its clock.</summary>
    public JsonLogFormatter(TimeProvider time)
        : base(FormatterName)
    {
        _time = time;
    }

    /// <inheritdoc />
    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider,
        TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }

        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            var written = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            writer.WriteStartObject();
            WriteField(writer, written, "timestamp",
                _time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            WriteField(writer, written, "level", logEntry.LogLevel.ToString());
            WriteField(writer, written, "category", logEntry.Category);
            WriteField(writer, written, "eventId", logEntry.EventId.Id);
            if (logEntry.EventId.Name is { } eventName)
            {
                WriteField(writer, written, "eventName", eventName);
            }

            WriteField(writer, written, "message", message);
            WriteScopes(writer, written, scopeProvider);
            WriteActivity(writer, written);
            if (logEntry.State is IEnumerable<KeyValuePair<string, object?>> fields)
            {
                WriteFields(writer, written, fields);
            }

            if (logEntry.Exception is not null)
            {
                WriteField(writer, written, "exception", logEntry.Exception.ToString());
            }

            writer.WriteEndObject();
        }

        textWriter.Write(Encoding.UTF8.GetString(buffer.WrittenSpan));
        textWriter.Write('\n');
    }

    private static void WriteScopes(Utf8JsonWriter writer, HashSet<string> written,
        IExternalScopeProvider? scopeProvider)
    {
        scopeProvider?.ForEachScope((scope, state) =>
        {
            if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                WriteFields(state.Writer, state.Written, pairs);
            }
        }, (Writer: writer, Written: written));
    }

    private static void WriteActivity(Utf8JsonWriter writer, HashSet<string> written)
    {
        // Entries written outside a scope that carries the ids still get them from the current activity.
        var activity = Activity.Current;
        if (activity is not null && activity.IdFormat == ActivityIdFormat.W3C)
        {
            WriteField(writer, written, "traceId", activity.TraceId.ToHexString());
            WriteField(writer, written, "spanId", activity.SpanId.ToHexString());
        }
    }

    private static void WriteFields(Utf8JsonWriter writer, HashSet<string> written,
        IEnumerable<KeyValuePair<string, object?>> fields)
    {
        foreach (var (key, value) in fields)
        {
            if (key == "{OriginalFormat}")
            {
                continue;
            }

            WriteField(writer, written, ToFieldName(key), value);
        }
    }

    private static string ToFieldName(string key) => key switch
    {
        "RequestId" => "requestId",
        "TraceId" => "traceId",
        "SpanId" => "spanId",
        "ParentId" => "parentId",
        "RequestPath" => "requestPath",
        "ConnectionId" => "connectionId",
        _ => key,
    };

    private static void WriteField(Utf8JsonWriter writer, HashSet<string> written, string name, object? value)
    {
        // The first writer of a name wins, so a structured field cannot overwrite the fixed ones.
        if (!written.Add(name))
        {
            return;
        }

        switch (value)
        {
            case null:
                writer.WriteNull(name);
                break;
            case bool flag:
                writer.WriteBoolean(name, flag);
                break;
            case ulong number:
                writer.WriteNumber(name, number);
                break;
            case int or long or short or byte or uint or ushort or sbyte:
                writer.WriteNumber(name, Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case double number when double.IsFinite(number):
                writer.WriteNumber(name, number);
                break;
            case float number when float.IsFinite(number):
                writer.WriteNumber(name, number);
                break;
            case decimal number:
                writer.WriteNumber(name, number);
                break;
            case IFormattable formattable:
                writer.WriteString(name, formattable.ToString(null, CultureInfo.InvariantCulture));
                break;
            default:
                writer.WriteString(name, value.ToString());
                break;
        }
    }
}
