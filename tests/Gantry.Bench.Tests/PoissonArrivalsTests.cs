namespace Gantry.Bench.Tests;

public sealed class PoissonArrivalsTests
{
    [Fact]
    public void Times_SameSeed_SameTimes()
    {
        var first = PoissonArrivals.Times(4, 1000, 42);
        var second = PoissonArrivals.Times(4, 1000, 42);

        Assert.Equal(first, second);
    }

    [Fact]
    public void Times_OtherSeed_OtherTimes()
    {
        var first = PoissonArrivals.Times(4, 100, 1);
        var second = PoissonArrivals.Times(4, 100, 2);

        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Times_StartAtZeroAndIncrease()
    {
        var times = PoissonArrivals.Times(10, 500, 7);

        Assert.Equal(0, times[0]);
        for (var i = 1; i < times.Length; i++)
        {
            Assert.True(times[i] >= times[i - 1], $"time {i} ({times[i]}) is before time {i - 1} ({times[i - 1]})");
        }
    }

    [Theory]
    [InlineData(0.5, 3)]
    [InlineData(8, 11)]
    [InlineData(200, 5)]
    public void Times_ManyArrivals_MeanRateMatches(double rate, int seed)
    {
        const int count = 50_000;

        var times = PoissonArrivals.Times(rate, count, seed);
        var measuredRate = (count - 1) / times[^1];

        // The mean of n exponential gaps has a relative standard deviation of 1/sqrt(n), 0.45% here,
        // so 2% is more than four standard deviations.
        Assert.InRange(measuredRate, rate * 0.98, rate * 1.02);
    }

    [Fact]
    public void Times_GapsAreExponential()
    {
        const double rate = 2;
        var times = PoissonArrivals.Times(rate, 50_000, 9);
        var gaps = times.Zip(times.Skip(1), (a, b) => b - a).ToArray();

        // For an exponential distribution P(gap > mean) = e^-1 and the standard deviation equals the mean.
        var aboveMean = gaps.Count(g => g > 1 / rate) / (double)gaps.Length;
        var mean = gaps.Average();
        var deviation = Math.Sqrt(gaps.Select(g => (g - mean) * (g - mean)).Average());

        Assert.InRange(aboveMean, Math.Exp(-1) - 0.01, Math.Exp(-1) + 0.01);
        Assert.InRange(deviation / mean, 0.97, 1.03);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Times_InvalidRate_Throws(double rate)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PoissonArrivals.Times(rate, 10, 0));
    }
}
