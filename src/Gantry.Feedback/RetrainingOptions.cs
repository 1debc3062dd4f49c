namespace Gantry.Feedback;

/// <summary>When to request retraining and where to send the request (<c>Gantry:Retraining</c>).</summary>
public sealed class RetrainingOptions
{
    /// <summary>
    /// New feedback entries with a rating or a correction, per model, that trigger a retraining request.
    /// 0 (the default) turns the trigger off.
    /// </summary>
    public int MinNewExamples { get; set; }

    /// <summary>
    /// When set, a request is also conditional on the share of ratings down over the last <see cref="WindowHours"/>
    /// being at least this value (0 to 1).
    /// </summary>
    public double? DownRatioThreshold { get; set; }

    /// <summary>Length of the window for <see cref="DownRatioThreshold"/>, in hours (default 24).</summary>
    public double WindowHours { get; set; } = 24;

    /// <summary>URL that receives the CloudEvents. Events wait in the outbox while it is empty.</summary>
    public string? WebhookUrl { get; set; }

    /// <summary>Seconds between checks of the policy (default 60).</summary>
    public double CheckIntervalSeconds { get; set; } = 60;

    /// <summary>Delay before the first retry of a failed delivery, in seconds (default 2). It doubles per attempt.</summary>
    public double InitialRetryDelaySeconds { get; set; } = 2;

    /// <summary>Maximum delay between delivery attempts, in seconds (default 600).</summary>
    public double MaxRetryDelaySeconds { get; set; } = 600;

    /// <summary>Timeout of one delivery attempt, in seconds (default 30).</summary>
    public double RequestTimeoutSeconds { get; set; } = 30;
}
