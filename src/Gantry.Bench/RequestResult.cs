namespace Gantry.Bench;

/// <summary>
/// What one benchmark request measured. Times are seconds on the run's clock: <see cref="StartSeconds"/> is
/// taken just before the request is sent, each entry of <see cref="ContentTimes"/> when the read that
/// completed a chunk carrying text returned, and <see cref="EndSeconds"/> when <c>[DONE]</c> arrived (or
/// the request failed).
/// </summary>
public sealed class RequestResult
{
    /// <summary>How the request ended.</summary>
    public required RequestOutcome Outcome { get; init; }

    /// <summary>
    /// Key under which a failure is counted: the HTTP status code (<c>"503"</c>), or <c>timeout</c>,
    /// <c>connection</c> or <c>stream</c>; null for completed and cancelled requests.
    /// </summary>
    public string? ErrorKey { get; init; }

    /// <summary>A short description of the failure, for the terminal report.</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>
    /// Whether the request was sent a second time because the server closed a reused connection before
    /// responding to the first attempt.
    /// </summary>
    public bool Retried { get; internal set; }

    /// <summary>Time the request was sent.</summary>
    public required double StartSeconds { get; init; }

    /// <summary>Time the response was complete or the request failed.</summary>
    public required double EndSeconds { get; init; }

    /// <summary>Arrival times of the stream chunks that carried generated text, in order.</summary>
    public IReadOnlyList<double> ContentTimes { get; init; } = [];

    /// <summary><c>usage.completion_tokens</c> from the stream, or null when the server sent no usage.</summary>
    public int? UsageCompletionTokens { get; init; }

    /// <summary><c>usage.prompt_tokens</c> from the stream, or null when the server sent no usage.</summary>
    public int? UsagePromptTokens { get; init; }

    /// <summary>Number of chunks that carried generated text.</summary>
    public int ContentChunks => ContentTimes.Count;

    /// <summary>Output tokens: <see cref="UsageCompletionTokens"/>, or the chunk count when usage is missing.</summary>
    public int OutputTokens => UsageCompletionTokens ?? ContentChunks;

    /// <summary>Time from sending to the first text chunk, or null when no text arrived.</summary>
    public double? TimeToFirstToken => ContentTimes.Count > 0 ? ContentTimes[0] - StartSeconds : null;

    /// <summary>Time from sending to the end of the response.</summary>
    public double EndToEndSeconds => EndSeconds - StartSeconds;

    /// <summary>
    /// Time per output token after the first, <c>(end-to-end - TTFT) / (output tokens - 1)</c>, as vLLM's
    /// benchmark defines TPOT; null with fewer than two output tokens.
    /// </summary>
    public double? TimePerOutputToken =>
        TimeToFirstToken is { } ttft && OutputTokens > 1 ? (EndToEndSeconds - ttft) / (OutputTokens - 1) : null;

    /// <summary>Gaps between consecutive text chunks, one inter-token latency sample per gap.</summary>
    public IEnumerable<double> InterTokenLatencies()
    {
        for (var i = 1; i < ContentTimes.Count; i++)
        {
            yield return ContentTimes[i] - ContentTimes[i - 1];
        }
    }
}
