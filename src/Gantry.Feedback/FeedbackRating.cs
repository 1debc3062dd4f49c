namespace Gantry.Feedback;

/// <summary>A thumbs rating of a completion.</summary>
public enum FeedbackRating
{
    /// <summary>The answer was good.</summary>
    Up,

    /// <summary>The answer was bad.</summary>
    Down,
}
