namespace Gantry.Options;

/// <summary>
/// Logging of prompts and completions, bound from <c>Gantry:Logging</c>. Content is sensitive: it is written
/// only at Debug, only when <see cref="LogContent"/> is true, and always redacted and truncated.
/// </summary>
public sealed class ContentLoggingOptions
{
    /// <summary>The configuration section name.</summary>
    public const string Section = "Gantry:Logging";

    /// <summary>Whether prompts and completions are logged at Debug. Default false.</summary>
    public bool LogContent { get; set; }

    /// <summary>Share of finished requests whose content is logged, 0 to 1. Default 1 (every request).</summary>
    public double ContentSampleRate { get; set; } = 1;

    /// <summary>Maximum characters logged of a prompt or of a completion; the rest is cut. Default 2000.</summary>
    public int ContentMaxChars { get; set; } = 2000;

    /// <summary>Lists every invalid setting.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!double.IsFinite(ContentSampleRate) || ContentSampleRate is < 0 or > 1)
        {
            errors.Add($"Gantry:Logging:ContentSampleRate is {ContentSampleRate}; it must be between 0 and 1.");
        }

        if (ContentMaxChars < 1)
        {
            errors.Add($"Gantry:Logging:ContentMaxChars is {ContentMaxChars}; it must be at least 1.");
        }

        return errors;
    }
}
