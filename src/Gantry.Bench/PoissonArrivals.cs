namespace Gantry.Bench;

/// <summary>
/// Send times of a Poisson process: the gaps between arrivals are drawn from an exponential distribution
/// with mean <c>1 / rate</c>, so that on average <c>rate</c> requests start per second. The same seed gives
/// the same times.
/// </summary>
public static class PoissonArrivals
{
    /// <summary>
    /// Returns <paramref name="count"/> arrival times in seconds after the start; the first request starts
    /// at 0 and each later one a random exponential gap after the previous one.
    /// </summary>
    /// <param name="rate">Mean arrivals per second, greater than 0.</param>
    /// <param name="count">Number of arrivals.</param>
    /// <param name="seed">Seed of the random generator.</param>
    public static double[] Times(double rate, int count, int seed)
    {
        if (!(rate > 0) || double.IsInfinity(rate))
        {
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "The request rate must be a positive finite number.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var random = new Random(seed);
        var times = new double[count];
        var time = 0.0;
        for (var i = 0; i < count; i++)
        {
            times[i] = time;

            // 1 - NextDouble() lies in (0, 1], so the logarithm is finite.
            time += -Math.Log(1 - random.NextDouble()) / rate;
        }

        return times;
    }
}
