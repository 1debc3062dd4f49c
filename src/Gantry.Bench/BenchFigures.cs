namespace Gantry.Bench;

/// <summary>
/// The figures that a comparison sets side by side, each with its JSON path (<c>ttft_seconds.p50</c>) and
/// a function that reads it from a summary.
/// </summary>
public static class BenchFigures
{
    /// <summary>Every compared figure, throughput first.</summary>
    public static IReadOnlyList<(string Name, Func<BenchSummary, double> Read)> All { get; } = Build();

    private static List<(string Name, Func<BenchSummary, double> Read)> Build()
    {
        var figures = new List<(string Name, Func<BenchSummary, double> Read)>
        {
            ("requests_per_second", s => s.RequestsPerSecond),
            ("output_tokens_per_second", s => s.OutputTokensPerSecond),
        };
        AddLatency(figures, "ttft_seconds", s => s.TimeToFirstToken);
        AddLatency(figures, "itl_seconds", s => s.InterTokenLatency);
        AddLatency(figures, "e2e_seconds", s => s.EndToEnd);
        return figures;
    }

    private static void AddLatency(
        List<(string Name, Func<BenchSummary, double> Read)> figures, string name, Func<BenchSummary, LatencySummary> select)
    {
        figures.Add((name + ".mean", s => select(s).Mean));
        figures.Add((name + ".p50", s => select(s).P50));
        figures.Add((name + ".p90", s => select(s).P90));
        figures.Add((name + ".p99", s => select(s).P99));
    }
}
