using System.Text.Json;

namespace Gantry.Bench;

/// <summary>
/// Reads the events of one streamed OpenAI completion or chat completion and records when text arrived,
/// the usage figures and how the stream ended. A chunk counts as text when any choice has a non-empty
/// <c>text</c> (completions) or <c>delta.content</c> or <c>delta.reasoning_content</c> (chat); chunks with
/// only a role, only a finish reason or only usage do not count. Not thread-safe.
/// </summary>
public sealed class StreamTimingRecorder
{
    private readonly List<double> _contentTimes = [];

    /// <summary>True once the <c>[DONE]</c> event arrived.</summary>
    public bool Done { get; private set; }

    /// <summary>Time the <c>[DONE]</c> event arrived, or null before it.</summary>
    public double? DoneSeconds { get; private set; }

    /// <summary>The first error found in the stream, or null.</summary>
    public string? StreamError { get; private set; }

    /// <summary><c>usage.completion_tokens</c> of the last chunk that carried usage.</summary>
    public int? CompletionTokens { get; private set; }

    /// <summary><c>usage.prompt_tokens</c> of the last chunk that carried usage.</summary>
    public int? PromptTokens { get; private set; }

    /// <summary>Arrival times of the text chunks so far.</summary>
    public IReadOnlyList<double> ContentTimes => _contentTimes;

    /// <summary>Records one event's data, received at <paramref name="seconds"/>.</summary>
    public void OnEvent(string data, double seconds)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (Done)
        {
            SetError("data after [DONE]");
            return;
        }

        if (data == "[DONE]")
        {
            Done = true;
            DoneSeconds = seconds;
            return;
        }

        try
        {
            using var document = JsonDocument.Parse(data);
            ReadChunk(document.RootElement, seconds);
        }
        catch (JsonException)
        {
            SetError("invalid JSON in a stream event");
        }
    }

    /// <summary>
    /// Builds the result of a request that received a 2xx status and whose stream ended at
    /// <paramref name="endOfStreamSeconds"/>.
    /// </summary>
    public RequestResult ToResult(double startSeconds, double endOfStreamSeconds)
    {
        var error = StreamError ?? (Done ? null : "the stream ended without [DONE]");
        return new RequestResult
        {
            Outcome = error is null ? RequestOutcome.Completed : RequestOutcome.StreamError,
            ErrorKey = error is null ? null : "stream",
            ErrorMessage = error,
            StartSeconds = startSeconds,
            EndSeconds = DoneSeconds ?? endOfStreamSeconds,
            ContentTimes = _contentTimes.ToArray(),
            UsageCompletionTokens = CompletionTokens,
            UsagePromptTokens = PromptTokens,
        };
    }

    private void ReadChunk(JsonElement chunk, double seconds)
    {
        if (chunk.ValueKind != JsonValueKind.Object)
        {
            SetError("a stream event is not a JSON object");
            return;
        }

        if (chunk.TryGetProperty("error", out var error) && error.ValueKind != JsonValueKind.Null)
        {
            SetError(ErrorText(error));
            return;
        }

        if (chunk.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array
            && HasText(choices))
        {
            _contentTimes.Add(seconds);
        }

        if (chunk.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
        {
            CompletionTokens = ReadInt(usage, "completion_tokens") ?? CompletionTokens;
            PromptTokens = ReadInt(usage, "prompt_tokens") ?? PromptTokens;
        }
    }

    private static bool HasText(JsonElement choices)
    {
        foreach (var choice in choices.EnumerateArray())
        {
            if (choice.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            if (IsNonEmptyString(choice, "text"))
            {
                return true;
            }

            if (choice.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.Object
                && (IsNonEmptyString(delta, "content") || IsNonEmptyString(delta, "reasoning_content")))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsNonEmptyString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
        && value.GetString()!.Length > 0;

    private static int? ReadInt(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
        && value.TryGetInt32(out var number) ? number : null;

    private static string ErrorText(JsonElement error)
    {
        if (error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var message)
            && message.ValueKind == JsonValueKind.String)
        {
            return "error event: " + message.GetString();
        }

        return "error event: " + error.GetRawText();
    }

    private void SetError(string message)
    {
        StreamError ??= message;
    }
}
