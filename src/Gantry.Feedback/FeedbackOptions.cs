namespace Gantry.Feedback;

/// <summary>Settings of the feedback loop, bound from the <c>Gantry</c> configuration section.</summary>
public sealed class FeedbackOptions
{
    /// <summary>Default for <see cref="RecordRetentionDays"/>: 30 days.</summary>
    public const int DefaultRecordRetentionDays = 30;

    /// <summary>What is stored of each completion (<c>Gantry:Capture</c>, default <see cref="CaptureMode.Metadata"/>).</summary>
    public CaptureMode Capture { get; set; } = CaptureMode.Metadata;

    /// <summary>Age in days after which completion records and their feedback are deleted (<c>Gantry:RecordRetentionDays</c>).</summary>
    public int RecordRetentionDays { get; set; } = DefaultRecordRetentionDays;

    /// <summary>A PostgreSQL connection string (<c>Gantry:Database</c>); empty selects SQLite under <see cref="DataDir"/>.</summary>
    public string? Database { get; set; }

    /// <summary>Directory for the SQLite file and dataset snapshots (<c>Gantry:DataDir</c>, default <c>./.data</c>).</summary>
    public string DataDir { get; set; } = "./.data";

    /// <summary>Retraining trigger settings (<c>Gantry:Retraining</c>).</summary>
    public RetrainingOptions Retraining { get; set; } = new();
}
