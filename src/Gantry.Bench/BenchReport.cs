using System.Globalization;
using System.Text;

namespace Gantry.Bench;

/// <summary>Formats summaries as the human-readable tables printed on the terminal.</summary>
public static class BenchReport
{
    /// <summary>Formats the figures of one run.</summary>
    public static string FormatRun(BenchSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var text = new StringBuilder();
        Line(text, "Completed requests", summary.Completed.ToString(CultureInfo.InvariantCulture));
        Line(text, "Failed requests", summary.Failed.ToString(CultureInfo.InvariantCulture) + FormatErrors(summary.Errors));
        if (summary.Cancelled > 0)
        {
            Line(text, "Cancelled requests", summary.Cancelled.ToString(CultureInfo.InvariantCulture));
        }

        Line(text, "Duration (s)", Number(summary.DurationSeconds, "F2"));
        Line(text, "Requests per second", Number(summary.RequestsPerSecond, "F3"));
        Line(text, "Output tokens per second", Number(summary.OutputTokensPerSecond, "F1"));
        Line(text, "Output tokens", summary.OutputTokens.ToString(CultureInfo.InvariantCulture));
        Line(text, "Prompt tokens (usage)", summary.PromptTokens.ToString(CultureInfo.InvariantCulture));
        if (summary.Retried > 0)
        {
            Line(text, "Retried requests", summary.Retried.ToString(CultureInfo.InvariantCulture) + " (connection closed before the response)");
        }

        if (summary.UsageMissing > 0)
        {
            Line(text, "Requests without usage", summary.UsageMissing.ToString(CultureInfo.InvariantCulture) + " (tokens counted as text chunks)");
        }

        if (summary.ChunkTokenMismatches > 0)
        {
            Line(text, "Chunks != usage tokens", summary.ChunkTokenMismatches.ToString(CultureInfo.InvariantCulture) + " requests (ITL gaps span several tokens)");
        }

        text.AppendLine();
        text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{"Latency (ms)",-22}{"mean",10}{"p50",10}{"p90",10}{"p99",10}{"samples",10}"));
        LatencyLine(text, "Time to first token", summary.TimeToFirstToken);
        LatencyLine(text, "Inter-token latency", summary.InterTokenLatency);
        LatencyLine(text, "Time per output token", summary.TimePerOutputToken);
        LatencyLine(text, "End-to-end", summary.EndToEnd);
        foreach (var sample in summary.ErrorSamples)
        {
            text.AppendLine("  error " + sample);
        }

        return text.ToString();
    }

    /// <summary>Formats a comparison: each side's median over its runs and the B / A ratio's spread.</summary>
    public static string FormatComparison(ComparisonSummary comparison)
    {
        ArgumentNullException.ThrowIfNull(comparison);
        var text = new StringBuilder();
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Comparison over {comparison.Pairs} pairs; ratio = B / A (above 1: B higher, so faster throughput or slower latency)."));
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"{"Figure (median of runs)",-28}{"A",12}{"B",12}{"B/A med",10}{"min",8}{"max",8}"));
        foreach (var (name, read) in BenchFigures.All)
        {
            var ratio = comparison.Ratio(read);
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-28}{Number(ComparisonSummary.Median(comparison.RunsA, read), "G5"),12}{Number(ComparisonSummary.Median(comparison.RunsB, read), "G5"),12}" +
                $"{Number(ratio?.Median, "F3"),10}{Number(ratio?.Min, "F3"),8}{Number(ratio?.Max, "F3"),8}"));
        }

        var failedA = comparison.RunsA.Sum(r => r.Failed);
        var failedB = comparison.RunsB.Sum(r => r.Failed);
        text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Failed requests: A {failedA}, B {failedB}."));
        AppendErrorSamples(text, "A", comparison.RunsA);
        AppendErrorSamples(text, "B", comparison.RunsB);
        return text.ToString();
    }

    private static void AppendErrorSamples(StringBuilder text, string side, IEnumerable<BenchSummary> runs)
    {
        foreach (var sample in runs.SelectMany(r => r.ErrorSamples).Distinct(StringComparer.Ordinal).Take(5))
        {
            text.AppendLine("  " + side + " error " + sample);
        }
    }

    private static void Line(StringBuilder text, string name, string value) =>
        text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{name,-26}{value}"));

    private static void LatencyLine(StringBuilder text, string name, LatencySummary latency) =>
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-22}{Number(latency.Mean * 1000, "F2"),10}{Number(latency.P50 * 1000, "F2"),10}{Number(latency.P90 * 1000, "F2"),10}{Number(latency.P99 * 1000, "F2"),10}{latency.Count,10}"));

    private static string FormatErrors(IReadOnlyDictionary<string, int> errors) =>
        errors.Count == 0 ? string.Empty : " (" + string.Join(", ", errors.Select(e => e.Key + ": " + e.Value.ToString(CultureInfo.InvariantCulture))) + ")";

    private static string Number(double? value, string format) =>
        value is { } number && double.IsFinite(number) ? number.ToString(format, CultureInfo.InvariantCulture) : "-";
}
