namespace Gantry.Bench.Tests;

public sealed class PercentilesTests
{
    [Theory]
    [InlineData(0, 1.0)]
    [InlineData(50, 3.0)]
    [InlineData(90, 4.6)]
    [InlineData(99, 4.96)]
    [InlineData(100, 5.0)]
    [InlineData(25, 2.0)]
    [InlineData(10, 1.4)]
    public void OfSorted_FiveValues_InterpolatesBetweenRanks(double percentile, double expected)
    {
        double[] values = [1, 2, 3, 4, 5];

        var result = Percentiles.OfSorted(values, percentile);

        Assert.Equal(expected, result, 12);
    }

    [Fact]
    public void OfSorted_TwoValues_InterpolatesLinearly()
    {
        double[] values = [10, 20];

        Assert.Equal(15, Percentiles.OfSorted(values, 50), 12);
        Assert.Equal(19, Percentiles.OfSorted(values, 90), 12);
        Assert.Equal(19.9, Percentiles.OfSorted(values, 99), 12);
    }

    [Fact]
    public void OfSorted_OneValue_ReturnsIt()
    {
        Assert.Equal(7, Percentiles.OfSorted([7.0], 0));
        Assert.Equal(7, Percentiles.OfSorted([7.0], 99));
        Assert.Equal(7, Percentiles.OfSorted([7.0], 100));
    }

    [Fact]
    public void OfSorted_Empty_Throws()
    {
        Assert.Throws<ArgumentException>(() => Percentiles.OfSorted([], 50));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(100.5)]
    [InlineData(double.NaN)]
    public void OfSorted_PercentileOutOfRange_Throws(double percentile)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentiles.OfSorted([1.0, 2.0], percentile));
    }

    [Fact]
    public void Summary_UnsortedSamples_MatchesHandComputedFigures()
    {
        // Ten samples 0.1 .. 1.0 in shuffled order: mean 0.55; p50 at rank 4.5 = 0.55;
        // p90 at rank 8.1 = 0.91; p99 at rank 8.91 = 0.991.
        double[] samples = [0.5, 0.1, 1.0, 0.3, 0.8, 0.2, 0.9, 0.4, 0.7, 0.6];

        var summary = LatencySummary.Of(samples);

        Assert.Equal(10, summary.Count);
        Assert.Equal(0.55, summary.Mean, 12);
        Assert.Equal(0.55, summary.P50, 12);
        Assert.Equal(0.91, summary.P90, 12);
        Assert.Equal(0.991, summary.P99, 12);
    }

    [Fact]
    public void Summary_NoSamples_IsNaN()
    {
        var summary = LatencySummary.Of([]);

        Assert.Equal(0, summary.Count);
        Assert.True(double.IsNaN(summary.Mean));
        Assert.True(double.IsNaN(summary.P99));
    }
}
