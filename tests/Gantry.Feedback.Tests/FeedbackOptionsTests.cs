namespace Gantry.Feedback.Tests;

/// <summary>Validation of the feedback settings.</summary>
public sealed class FeedbackOptionsTests
{
    [Fact]
    public void Validate_Defaults_HaveNoErrors()
    {
        var errors = new FeedbackOptions().Validate();

        Assert.Empty(errors);
    }

    [Fact]
    public void Validate_EveryBadSetting_IsListed()
    {
        var options = new FeedbackOptions
        {
            Capture = (CaptureMode)7,
            RecordRetentionDays = 0,
            Retraining = new RetrainingOptions
            {
                MinNewExamples = -1,
                DownRatioThreshold = 1.5,
                WindowHours = 0,
                WebhookUrl = "ftp://example.invalid/hook",
                InitialRetryDelaySeconds = 10,
                MaxRetryDelaySeconds = 5,
            },
        };

        var errors = options.Validate();

        Assert.Equal(7, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("Gantry:Capture is 7", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Gantry:RecordRetentionDays is 0", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Gantry:Retraining:MinNewExamples is -1", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Gantry:Retraining:DownRatioThreshold is 1.5", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Gantry:Retraining:WindowHours is 0", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Gantry:Retraining:WebhookUrl is 'ftp:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Gantry:Retraining intervals", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0.0, 0, 5, true)]
    [InlineData(0.5, 2, 2, true)]
    [InlineData(0.5, 3, 2, false)]
    [InlineData(0.5, 0, 0, false)]
    public void IsCrossed_DownRatio_ComparesShareOfDownRatings(double threshold, long up, long down, bool expected)
    {
        var policy = new RetrainingOptions { MinNewExamples = 1, DownRatioThreshold = threshold };
        var activity = new Gantry.Feedback.Stores.ModelTrainingActivity("m", 0, 10, 10, up, down);

        var crossed = Gantry.Feedback.Retraining.RetrainingTrigger.IsCrossed(policy, activity);

        Assert.Equal(expected, crossed);
    }
}
