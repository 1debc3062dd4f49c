namespace Gantry.Feedback.Stores;

/// <summary>Feedback counts per model over a time window.</summary>
/// <param name="Since">Start of the window. Feedback created at or after it is counted.</param>
/// <param name="Models">One entry per model that has feedback in the window, ordered by model name.</param>
public sealed record FeedbackStats(DateTimeOffset Since, IReadOnlyList<ModelFeedbackStats> Models);

/// <summary>Feedback counts for one model.</summary>
/// <param name="Model">The model name.</param>
/// <param name="Up">Entries rated up.</param>
/// <param name="Down">Entries rated down.</param>
/// <param name="Unrated">Entries with a score but no rating.</param>
/// <param name="ScoreCount">Entries with a score.</param>
/// <param name="MeanScore">Mean of the scores, or null when there are none.</param>
public sealed record ModelFeedbackStats(string Model, long Up, long Down, long Unrated, long ScoreCount, double? MeanScore)
{
    /// <summary>All entries for the model.</summary>
    public long Total => Up + Down + Unrated;
}
