namespace Gantry.Engine.Models;

/// <summary>
/// Retry and timeout settings of <see cref="ModelDownloader"/>.
/// </summary>
public sealed record ModelDownloadOptions
{
    /// <summary>Default for <see cref="MaxAttempts"/>.</summary>
    public const int DefaultMaxAttempts = 5;

    /// <summary>
    /// Maximum number of requests for one download, counting the first. Transient failures
    /// (connection errors, timeouts, 408, 429 and 5xx responses) are retried until then. Default 5.
    /// </summary>
    public int MaxAttempts { get; init; } = DefaultMaxAttempts;

    /// <summary>Delay before the first retry. Each later retry doubles it. Default 1 second.</summary>
    public TimeSpan InitialRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Upper bound of the retry delay. Default 30 seconds.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Maximum wait for the response headers or for the next block of the body before the attempt
    /// counts as failed. Default 60 seconds.
    /// </summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Returns the delay before retry number <paramref name="retry"/> (1 for the first retry).</summary>
    public TimeSpan GetRetryDelay(int retry)
    {
        var factor = Math.Pow(2, Math.Min(retry - 1, 30));
        var delay = InitialRetryDelay.TotalMilliseconds * factor;
        return TimeSpan.FromMilliseconds(Math.Min(delay, MaxRetryDelay.TotalMilliseconds));
    }
}
