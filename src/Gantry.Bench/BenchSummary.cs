using System.Globalization;

namespace Gantry.Bench;

/// <summary>
/// The figures of one run. Throughput divides by <see cref="DurationSeconds"/>, the time from the first
/// measured send to the end of the last measured request. Latency figures use completed requests only.
/// Inter-token latency pools the gaps between consecutive text chunks of every completed request, one
/// sample per gap, as vLLM's benchmark does. When each chunk carries one token, a gap is one token's latency.
/// </summary>
public sealed record BenchSummary
{
    private const int MaxErrorSamples = 5;

    /// <summary>Requests that ended with <c>[DONE]</c>.</summary>
    public required int Completed { get; init; }

    /// <summary>Requests that failed (HTTP status, timeout, connection or stream error).</summary>
    public required int Failed { get; init; }

    /// <summary>Requests in flight when the run was stopped; neither completed nor failed.</summary>
    public required int Cancelled { get; init; }

    /// <summary>Seconds from the first measured send to the end of the last measured request.</summary>
    public required double DurationSeconds { get; init; }

    /// <summary>Output tokens of completed requests (usage, or text chunks where usage is missing).</summary>
    public required long OutputTokens { get; init; }

    /// <summary>Prompt tokens of completed requests as the server counted them (<c>usage.prompt_tokens</c>).</summary>
    public required long PromptTokens { get; init; }

    /// <summary>Completed requests per second.</summary>
    public required double RequestsPerSecond { get; init; }

    /// <summary>Output tokens of completed requests per second.</summary>
    public required double OutputTokensPerSecond { get; init; }

    /// <summary>Time to first token: send to the first text chunk.</summary>
    public required LatencySummary TimeToFirstToken { get; init; }

    /// <summary>Inter-token latency: gaps between consecutive text chunks.</summary>
    public required LatencySummary InterTokenLatency { get; init; }

    /// <summary>Time per output token after the first, per request (vLLM's TPOT).</summary>
    public required LatencySummary TimePerOutputToken { get; init; }

    /// <summary>End-to-end latency: send to <c>[DONE]</c>.</summary>
    public required LatencySummary EndToEnd { get; init; }

    /// <summary>Failed requests by <see cref="RequestResult.ErrorKey"/>, sorted by key.</summary>
    public required IReadOnlyDictionary<string, int> Errors { get; init; }

    /// <summary>Requests sent twice because the server closed a reused connection before responding.</summary>
    public required int Retried { get; init; }

    /// <summary>Completed requests whose stream carried no usage, so their tokens were counted as chunks.</summary>
    public required int UsageMissing { get; init; }

    /// <summary>Completed requests whose text chunk count differs from <c>usage.completion_tokens</c>.</summary>
    public required int ChunkTokenMismatches { get; init; }

    /// <summary>The first few distinct failure messages.</summary>
    public required IReadOnlyList<string> ErrorSamples { get; init; }

    /// <summary>Aggregates the results of a run that lasted <paramref name="durationSeconds"/>.</summary>
    public static BenchSummary From(IReadOnlyCollection<RequestResult> results, double durationSeconds)
    {
        ArgumentNullException.ThrowIfNull(results);
        var completed = results.Where(r => r.Outcome == RequestOutcome.Completed).ToList();
        var failed = results.Where(r => r.Outcome is not (RequestOutcome.Completed or RequestOutcome.Cancelled)).ToList();
        var outputTokens = completed.Sum(r => (long)r.OutputTokens);
        return new BenchSummary
        {
            Completed = completed.Count,
            Failed = failed.Count,
            Cancelled = results.Count(r => r.Outcome == RequestOutcome.Cancelled),
            DurationSeconds = durationSeconds,
            OutputTokens = outputTokens,
            PromptTokens = completed.Sum(r => (long)(r.UsagePromptTokens ?? 0)),
            RequestsPerSecond = durationSeconds > 0 ? completed.Count / durationSeconds : 0,
            OutputTokensPerSecond = durationSeconds > 0 ? outputTokens / durationSeconds : 0,
            TimeToFirstToken = LatencySummary.Of(completed.Select(r => r.TimeToFirstToken).OfType<double>()),
            InterTokenLatency = LatencySummary.Of(completed.SelectMany(r => r.InterTokenLatencies())),
            TimePerOutputToken = LatencySummary.Of(completed.Select(r => r.TimePerOutputToken).OfType<double>()),
            EndToEnd = LatencySummary.Of(completed.Select(r => r.EndToEndSeconds)),
            Errors = new SortedDictionary<string, int>(
                failed.GroupBy(r => r.ErrorKey ?? "unknown").ToDictionary(g => g.Key, g => g.Count()),
                StringComparer.Ordinal),
            Retried = results.Count(r => r.Retried),
            UsageMissing = completed.Count(r => r.UsageCompletionTokens is null),
            ChunkTokenMismatches = completed.Count(r => r.UsageCompletionTokens is { } tokens && tokens != r.ContentChunks),
            ErrorSamples = failed
                .Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.ErrorKey}: {r.ErrorMessage}"))
                .Distinct(StringComparer.Ordinal)
                .Take(MaxErrorSamples)
                .ToList(),
        };
    }
}
