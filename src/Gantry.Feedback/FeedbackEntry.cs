namespace Gantry.Feedback;

/// <summary>One stored piece of feedback on a completion. A completion can have many.</summary>
public sealed record FeedbackEntry
{
    /// <summary>The feedback id, <c>fb-</c> followed by 32 hex digits.</summary>
    public required string Id { get; init; }

    /// <summary>The id of the completion the feedback is about.</summary>
    public required string CompletionId { get; init; }

    /// <summary>When the feedback was accepted.</summary>
    public required DateTimeOffset Created { get; init; }

    /// <summary>The model of the completion, copied from the stored completion record.</summary>
    public required string Model { get; init; }

    /// <summary>The thumbs rating, when given.</summary>
    public FeedbackRating? Rating { get; init; }

    /// <summary>A score from <see cref="FeedbackLimits.MinScore"/> to <see cref="FeedbackLimits.MaxScore"/>, when given.</summary>
    public double? Score { get; init; }

    /// <summary>The completion text the client expected instead.</summary>
    public string? Correction { get; init; }

    /// <summary>A free-text comment.</summary>
    public string? Comment { get; init; }

    /// <summary>Tags chosen by the client.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Where the feedback came from, such as an application name.</summary>
    public string? Source { get; init; }
}
