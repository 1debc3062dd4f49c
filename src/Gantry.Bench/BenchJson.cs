using System.Text.Json;

namespace Gantry.Bench;

/// <summary>
/// Writes the figures as JSON, times in seconds and figures without samples as null. A single run is
/// one summary object. A comparison contains both sides' runs and the B / A ratios.
/// </summary>
public static class BenchJson
{
    /// <summary>Writes the summary of one run against <paramref name="target"/>.</summary>
    public static void WriteRun(Utf8JsonWriter writer, BenchSummary summary, BenchOptions options, BenchTarget target, string model)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(target);
        writer.WriteStartObject();
        WriteSummaryFields(writer, summary);
        WriteConfig(writer, options, target, model);
        writer.WriteEndObject();
    }

    /// <summary>Writes a comparison: each side's runs and the ratio spread of every figure.</summary>
    public static void WriteComparison(
        Utf8JsonWriter writer, ComparisonSummary comparison, BenchOptions options, (BenchTarget Target, string Model) a, (BenchTarget Target, string Model) b)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(comparison);
        writer.WriteStartObject();
        writer.WriteString("ratio", "b/a");
        writer.WriteNumber("pairs", comparison.Pairs);
        WriteSide(writer, "a", comparison.RunsA, options, a);
        WriteSide(writer, "b", comparison.RunsB, options, b);
        writer.WriteStartObject("ratios");
        foreach (var (name, read) in BenchFigures.All)
        {
            var spread = comparison.Ratio(read);
            if (spread is null)
            {
                writer.WriteNull(name);
                continue;
            }

            writer.WriteStartObject(name);
            WriteNumber(writer, "median", spread.Median);
            WriteNumber(writer, "min", spread.Min);
            WriteNumber(writer, "max", spread.Max);
            writer.WriteNumber("count", spread.Count);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteSide(
        Utf8JsonWriter writer, string name, IReadOnlyList<BenchSummary> runs, BenchOptions options, (BenchTarget Target, string Model) side)
    {
        writer.WriteStartObject(name);
        writer.WriteString("url", side.Target.BaseUrl.ToString());
        writer.WriteString("model", side.Model);
        writer.WriteStartArray("runs");
        foreach (var run in runs)
        {
            WriteRun(writer, run, options, side.Target, side.Model);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteSummaryFields(Utf8JsonWriter writer, BenchSummary summary)
    {
        writer.WriteNumber("completed", summary.Completed);
        writer.WriteNumber("failed", summary.Failed);
        writer.WriteNumber("cancelled", summary.Cancelled);
        WriteNumber(writer, "duration_seconds", summary.DurationSeconds);
        writer.WriteNumber("output_tokens", summary.OutputTokens);
        writer.WriteNumber("prompt_tokens", summary.PromptTokens);
        WriteNumber(writer, "requests_per_second", summary.RequestsPerSecond);
        WriteNumber(writer, "output_tokens_per_second", summary.OutputTokensPerSecond);
        WriteLatency(writer, "ttft_seconds", summary.TimeToFirstToken);
        WriteLatency(writer, "itl_seconds", summary.InterTokenLatency);
        WriteLatency(writer, "tpot_seconds", summary.TimePerOutputToken);
        WriteLatency(writer, "e2e_seconds", summary.EndToEnd);
        writer.WriteStartObject("errors");
        foreach (var (key, count) in summary.Errors)
        {
            writer.WriteNumber(key, count);
        }

        writer.WriteEndObject();
        writer.WriteStartArray("error_samples");
        foreach (var sample in summary.ErrorSamples)
        {
            writer.WriteStringValue(sample);
        }

        writer.WriteEndArray();
        writer.WriteNumber("retried", summary.Retried);
        writer.WriteNumber("usage_missing", summary.UsageMissing);
        writer.WriteNumber("chunk_token_mismatches", summary.ChunkTokenMismatches);
    }

    private static void WriteConfig(Utf8JsonWriter writer, BenchOptions options, BenchTarget target, string model)
    {
        writer.WriteStartObject("config");
        writer.WriteString("url", target.BaseUrl.ToString());
        writer.WriteString("model", model);
        writer.WriteString("endpoint", options.Endpoint == BenchEndpoint.Chat ? "chat" : "completions");
        WriteOptionalNumber(writer, "concurrency", options.Concurrency);
        WriteOptionalNumber(writer, "request_rate", options.RequestRate);
        writer.WriteNumber("requests", options.Requests);
        writer.WriteNumber("prompt_tokens", options.PromptTokens);
        writer.WriteNumber("max_tokens", options.MaxTokens);
        WriteOptionalNumber(writer, "temperature", options.Temperature);
        writer.WriteNumber("seed", options.Seed);
        writer.WriteNumber("warmup", options.Warmup);
        writer.WriteEndObject();
    }

    private static void WriteLatency(Utf8JsonWriter writer, string name, LatencySummary latency)
    {
        writer.WriteStartObject(name);
        writer.WriteNumber("count", latency.Count);
        WriteNumber(writer, "mean", latency.Mean);
        WriteNumber(writer, "p50", latency.P50);
        WriteNumber(writer, "p90", latency.P90);
        WriteNumber(writer, "p99", latency.P99);
        writer.WriteEndObject();
    }

    private static void WriteOptionalNumber(Utf8JsonWriter writer, string name, double? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, number);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    private static void WriteNumber(Utf8JsonWriter writer, string name, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumber(name, value);
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
