namespace Gantry.Feedback;

/// <summary>A validated feedback request, before it gets an id.</summary>
public sealed record FeedbackSubmission
{
    /// <summary>The id of the completion the feedback is about.</summary>
    public required string CompletionId { get; init; }

    /// <summary>The thumbs rating, when given.</summary>
    public FeedbackRating? Rating { get; init; }

    /// <summary>The score, when given.</summary>
    public double? Score { get; init; }

    /// <summary>The completion text the client expected instead.</summary>
    public string? Correction { get; init; }

    /// <summary>A free-text comment.</summary>
    public string? Comment { get; init; }

    /// <summary>Tags chosen by the client.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Where the feedback came from.</summary>
    public string? Source { get; init; }
}
