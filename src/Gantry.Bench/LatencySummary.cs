namespace Gantry.Bench;

/// <summary>
/// Mean and percentiles of one latency figure, in seconds. Percentiles follow <see cref="Percentiles"/>.
/// When <see cref="Count"/> is 0 every other figure is <see cref="double.NaN"/>.
/// </summary>
/// <param name="Count">Number of samples.</param>
/// <param name="Mean">Arithmetic mean.</param>
/// <param name="P50">Median.</param>
/// <param name="P90">90th percentile.</param>
/// <param name="P99">99th percentile.</param>
public sealed record LatencySummary(int Count, double Mean, double P50, double P90, double P99)
{
    /// <summary>The summary of no samples.</summary>
    public static LatencySummary Empty { get; } = new(0, double.NaN, double.NaN, double.NaN, double.NaN);

    /// <summary>Summarizes samples given in any order.</summary>
    public static LatencySummary Of(IEnumerable<double> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var sorted = samples.ToArray();
        if (sorted.Length == 0)
        {
            return Empty;
        }

        Array.Sort(sorted);
        return new LatencySummary(
            sorted.Length,
            sorted.Average(),
            Percentiles.OfSorted(sorted, 50),
            Percentiles.OfSorted(sorted, 90),
            Percentiles.OfSorted(sorted, 99));
    }
}
