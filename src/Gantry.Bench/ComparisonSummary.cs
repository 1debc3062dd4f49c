namespace Gantry.Bench;

/// <summary>
/// The runs of a comparison, A and B alternating, and for every figure of <see cref="BenchFigures"/> the
/// ratio B / A of each pair with its median, minimum and maximum over the pairs. A ratio above 1 means B's
/// figure is higher: faster for throughput, slower for latency.
/// </summary>
/// <param name="RunsA">Runs against server A, in order.</param>
/// <param name="RunsB">Runs against server B; run i of B followed run i of A.</param>
public sealed record ComparisonSummary(IReadOnlyList<BenchSummary> RunsA, IReadOnlyList<BenchSummary> RunsB)
{
    /// <summary>Number of complete A-then-B pairs.</summary>
    public int Pairs => Math.Min(RunsA.Count, RunsB.Count);

    /// <summary>Statistics of the B / A ratio of one figure, or null when no pair gives a finite ratio.</summary>
    public RatioSpread? Ratio(Func<BenchSummary, double> figure)
    {
        ArgumentNullException.ThrowIfNull(figure);
        var ratios = new List<double>();
        for (var i = 0; i < Pairs; i++)
        {
            var a = figure(RunsA[i]);
            var b = figure(RunsB[i]);
            var ratio = b / a;
            if (double.IsFinite(ratio))
            {
                ratios.Add(ratio);
            }
        }

        if (ratios.Count == 0)
        {
            return null;
        }

        ratios.Sort();
        return new RatioSpread(Percentiles.OfSorted(ratios, 50), ratios[0], ratios[^1], ratios.Count);
    }

    /// <summary>Median of one figure over the runs of one side (NaN values skipped), or NaN.</summary>
    public static double Median(IEnumerable<BenchSummary> runs, Func<BenchSummary, double> figure)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var values = runs.Select(figure).Where(double.IsFinite).Order().ToList();
        return values.Count == 0 ? double.NaN : Percentiles.OfSorted(values, 50);
    }
}

/// <summary>Median, minimum and maximum of a ratio over the pairs that gave a finite value.</summary>
/// <param name="Median">Median over the pairs (mean of the middle two for an even count).</param>
/// <param name="Min">Smallest ratio.</param>
/// <param name="Max">Largest ratio.</param>
/// <param name="Count">Pairs with a finite ratio.</param>
public sealed record RatioSpread(double Median, double Min, double Max, int Count);
