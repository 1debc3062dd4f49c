namespace Gantry.Feedback;

/// <summary>Limits on feedback fields. Requests beyond them are rejected with 400.</summary>
public static class FeedbackLimits
{
    /// <summary>Lowest accepted score.</summary>
    public const double MinScore = 0.0;

    /// <summary>Highest accepted score.</summary>
    public const double MaxScore = 1.0;

    /// <summary>Maximum length of a completion id, in characters.</summary>
    public const int MaxCompletionIdLength = 128;

    /// <summary>Maximum length of a correction, in characters.</summary>
    public const int MaxCorrectionLength = 32_768;

    /// <summary>Maximum length of a comment, in characters.</summary>
    public const int MaxCommentLength = 4_096;

    /// <summary>Maximum number of tags.</summary>
    public const int MaxTags = 32;

    /// <summary>Maximum length of one tag, in characters.</summary>
    public const int MaxTagLength = 64;

    /// <summary>Maximum length of the source, in characters.</summary>
    public const int MaxSourceLength = 128;

    /// <summary>Maximum length of an <c>Idempotency-Key</c> header value, in characters.</summary>
    public const int MaxIdempotencyKeyLength = 255;
}
