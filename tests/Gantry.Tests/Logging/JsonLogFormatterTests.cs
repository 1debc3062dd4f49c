using System.Diagnostics;
using System.Text.Json;
using Gantry.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gantry.Tests.Logging;

public sealed class JsonLogFormatterTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 4, 5, 6, 7, 890, TimeSpan.Zero);

    [Fact]
    public void Write_Entry_OneJsonLineWithFixedFields()
    {
        var line = Format(new Dictionary<string, object?>
        {
            ["Model"] = "tiny",
            ["Seconds"] = 1.25,
            ["Count"] = 3,
            ["{OriginalFormat}"] = "Model {Model} ready after {Seconds} s",
        }, "Model tiny ready after 1.25 s");

        Assert.EndsWith("\n", line);
        Assert.Single(line.TrimEnd('\n').Split('\n'));
        var json = JsonDocument.Parse(line).RootElement;
        Assert.Equal("2026-03-04T05:06:07.890Z", json.GetProperty("timestamp").GetString());
        Assert.Equal("Information", json.GetProperty("level").GetString());
        Assert.Equal("Gantry.Test", json.GetProperty("category").GetString());
        Assert.Equal(2002, json.GetProperty("eventId").GetInt32());
        Assert.Equal("ModelReady", json.GetProperty("eventName").GetString());
        Assert.Equal("Model tiny ready after 1.25 s", json.GetProperty("message").GetString());
        Assert.Equal("tiny", json.GetProperty("Model").GetString());
        Assert.Equal(1.25, json.GetProperty("Seconds").GetDouble());
        Assert.Equal(3, json.GetProperty("Count").GetInt32());
        Assert.False(json.TryGetProperty("{OriginalFormat}", out _));
    }

    [Fact]
    public void Write_ScopeWithRequestId_FieldsOnTopLevel()
    {
        var scopes = new LoggerExternalScopeProvider();
        using var scope = scopes.Push(new Dictionary<string, object?>
        {
            ["RequestId"] = "0HABC:00000001",
            ["RequestPath"] = "/v1/completions",
        });

        var json = JsonDocument.Parse(Format(new Dictionary<string, object?>(), "done", scopes)).RootElement;

        Assert.Equal("0HABC:00000001", json.GetProperty("requestId").GetString());
        Assert.Equal("/v1/completions", json.GetProperty("requestPath").GetString());
    }

    [Fact]
    public void Write_CurrentActivity_TraceAndSpanIds()
    {
        using var activity = new Activity("test");
        activity.SetIdFormat(ActivityIdFormat.W3C);
        activity.SetParentId("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        activity.Start();

        var json = JsonDocument.Parse(Format(new Dictionary<string, object?>(), "done")).RootElement;

        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", json.GetProperty("traceId").GetString());
        Assert.Equal(activity.SpanId.ToHexString(), json.GetProperty("spanId").GetString());
    }

    [Fact]
    public void Write_FieldNamedLikeFixedField_DoesNotOverwrite()
    {
        var json = JsonDocument.Parse(Format(new Dictionary<string, object?> { ["message"] = "spoofed" }, "real"))
            .RootElement;

        Assert.Equal("real", json.GetProperty("message").GetString());
    }

    [Fact]
    public void Write_Exception_IncludedAsText()
    {
        var exception = new InvalidOperationException("broken");

        var json = JsonDocument.Parse(Format(new Dictionary<string, object?>(), "failed", exception: exception))
            .RootElement;

        Assert.Contains("InvalidOperationException: broken", json.GetProperty("exception").GetString());
    }

    [Fact]
    public void Write_MessageWithQuotesAndNewlines_StaysOneValidLine()
    {
        var line = Format(new Dictionary<string, object?>(), "line one\nline \"two\"");

        Assert.Single(line.TrimEnd('\n').Split('\n'));
        Assert.Equal("line one\nline \"two\"", JsonDocument.Parse(line).RootElement.GetProperty("message").GetString());
    }

    private static string Format(Dictionary<string, object?> fields, string message,
        IExternalScopeProvider? scopes = null, Exception? exception = null)
    {
        var formatter = new JsonLogFormatter(new FixedTimeProvider(Now));
        var entry = new LogEntry<IReadOnlyList<KeyValuePair<string, object?>>>(LogLevel.Information, "Gantry.Test",
            new EventId(2002, "ModelReady"), fields.ToList(), exception, (_, _) => message);
        using var writer = new StringWriter();
        formatter.Write(entry, scopes, writer);
        return writer.ToString();
    }

    private sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
