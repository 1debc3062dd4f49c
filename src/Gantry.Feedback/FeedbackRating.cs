namespace Gantry.Feedback;

/// <summary>A thumbs rating of a completion.</summary>
public enum FeedbackRating
{
    /// <summary>The completion was good.</summary>
    Up,

    /// <summary>The completion was bad.</summary>
    Down,
}
