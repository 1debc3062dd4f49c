namespace Gantry.Bench;

/// <summary>
/// Percentiles by linear interpolation between closest ranks, the method numpy's <c>percentile</c> uses by
/// default (<c>method="linear"</c>): for <c>n</c> sorted values and percentile <c>p</c>, the rank is
/// <c>h = p / 100 * (n - 1)</c> and the result is <c>x[floor(h)] + (h - floor(h)) * (x[floor(h) + 1] - x[floor(h)])</c>.
/// </summary>
public static class Percentiles
{
    /// <summary>
    /// Computes percentile <paramref name="percentile"/> (0 to 100) of values sorted in ascending order.
    /// </summary>
    /// <exception cref="ArgumentException">The list is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The percentile is outside 0 to 100.</exception>
    public static double OfSorted(IReadOnlyList<double> sorted, double percentile)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Count == 0)
        {
            throw new ArgumentException("Cannot take a percentile of an empty list.", nameof(sorted));
        }

        if (double.IsNaN(percentile) || percentile < 0 || percentile > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "A percentile must be from 0 to 100.");
        }

        var rank = percentile / 100 * (sorted.Count - 1);
        var lower = (int)Math.Floor(rank);
        if (lower >= sorted.Count - 1)
        {
            return sorted[^1];
        }

        var fraction = rank - lower;
        return sorted[lower] + fraction * (sorted[lower + 1] - sorted[lower]);
    }
}
