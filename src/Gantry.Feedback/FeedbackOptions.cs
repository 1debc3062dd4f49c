namespace Gantry.Feedback;

/// <summary>Settings of the feedback loop, bound from the <c>Gantry</c> configuration section.</summary>
public sealed class FeedbackOptions
{
    /// <summary>Default for <see cref="RecordRetentionDays"/>: 30 days.</summary>
    public const int DefaultRecordRetentionDays = 30;

    /// <summary>Maximum for <see cref="RecordRetentionDays"/>: 100 years.</summary>
    public const int MaxRecordRetentionDays = 36_500;

    /// <summary>What is stored of each completion (<c>Gantry:Capture</c>, default <see cref="CaptureMode.Metadata"/>).</summary>
    public CaptureMode Capture { get; set; } = CaptureMode.Metadata;

    /// <summary>Age in days after which completion records and their feedback are deleted (<c>Gantry:RecordRetentionDays</c>).</summary>
    public int RecordRetentionDays { get; set; } = DefaultRecordRetentionDays;

    /// <summary>A PostgreSQL connection string (<c>Gantry:Database</c>). Empty selects SQLite under <see cref="DataDir"/>.</summary>
    public string? Database { get; set; }

    /// <summary>Directory for the SQLite file and dataset snapshots (<c>Gantry:DataDir</c>, default <c>./.data</c>).</summary>
    public string DataDir { get; set; } = "./.data";

    /// <summary>Retraining trigger settings (<c>Gantry:Retraining</c>).</summary>
    public RetrainingOptions Retraining { get; set; } = new();

    /// <summary>Lists every invalid setting, so a bad configuration reports all its problems at once.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!Enum.IsDefined(Capture))
        {
            errors.Add($"Gantry:Capture is {(int)Capture}; it must be off, metadata or full.");
        }

        if (RecordRetentionDays is < 1 or > MaxRecordRetentionDays)
        {
            errors.Add($"Gantry:RecordRetentionDays is {RecordRetentionDays}; it must be between 1 and {MaxRecordRetentionDays} days.");
        }

        var retraining = Retraining;
        if (retraining.MinNewExamples < 0)
        {
            errors.Add($"Gantry:Retraining:MinNewExamples is {retraining.MinNewExamples}; it must be 0 (off) or more.");
        }

        if (retraining.DownRatioThreshold is < 0 or > 1)
        {
            errors.Add($"Gantry:Retraining:DownRatioThreshold is {retraining.DownRatioThreshold}; it must be between 0 and 1.");
        }

        if (retraining.WindowHours <= 0)
        {
            errors.Add($"Gantry:Retraining:WindowHours is {retraining.WindowHours}; it must be more than 0.");
        }

        if (!string.IsNullOrWhiteSpace(retraining.WebhookUrl)
            && (!Uri.TryCreate(retraining.WebhookUrl, UriKind.Absolute, out var webhook) || webhook.Scheme is not ("http" or "https")))
        {
            errors.Add($"Gantry:Retraining:WebhookUrl is '{retraining.WebhookUrl}'; it must be an absolute http or https URL.");
        }

        if (retraining.CheckIntervalSeconds <= 0 || retraining.InitialRetryDelaySeconds <= 0
            || retraining.MaxRetryDelaySeconds < retraining.InitialRetryDelaySeconds || retraining.RequestTimeoutSeconds <= 0)
        {
            errors.Add("Gantry:Retraining intervals must be positive and MaxRetryDelaySeconds at least InitialRetryDelaySeconds.");
        }

        return errors;
    }
}
