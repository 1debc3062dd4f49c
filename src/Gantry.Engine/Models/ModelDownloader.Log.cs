using Microsoft.Extensions.Logging;

namespace Gantry.Engine.Models;

/// <summary>
/// Log messages of <see cref="ModelDownloader"/>, event ids 2100-2199. URLs are logged without
/// their query string, which may carry a signature or token.
/// </summary>
public sealed partial class ModelDownloader
{
    [LoggerMessage(EventId = 2100, EventName = "ModelDownloadStarting", Level = LogLevel.Information,
        Message = "Downloading model from {Url} to {Path}")]
    private static partial void LogDownloadStarting(ILogger logger, string url, string path);

    [LoggerMessage(EventId = 2101, EventName = "ModelDownloadResuming", Level = LogLevel.Information,
        Message = "Resuming model download from {Url} at byte {Offset}")]
    private static partial void LogDownloadResuming(ILogger logger, string url, long offset);

    [LoggerMessage(EventId = 2102, EventName = "ModelDownloadRangeIgnored", Level = LogLevel.Warning,
        Message = "Server for {Url} ignored the range request and sent the whole file, discarding {Offset} bytes already downloaded")]
    private static partial void LogRangeIgnored(ILogger logger, string url, long offset);

    [LoggerMessage(EventId = 2103, EventName = "ModelDownloadRetry", Level = LogLevel.Warning,
        Message = "Model download from {Url} failed on attempt {Attempt} of {MaxAttempts}, retrying in {DelaySeconds} s")]
    private static partial void LogRetryScheduled(
        ILogger logger, Exception exception, string url, int attempt, int maxAttempts, double delaySeconds);

    [LoggerMessage(EventId = 2104, EventName = "ModelDownloadCompleted", Level = LogLevel.Information,
        Message = "Downloaded model from {Url} to {Path}: {Bytes} bytes in {DurationSeconds} s")]
    private static partial void LogDownloadCompleted(ILogger logger, string url, string path, long bytes, double durationSeconds);

    [LoggerMessage(EventId = 2105, EventName = "ModelCacheHit", Level = LogLevel.Information,
        Message = "Using cached model file {Path}")]
    private static partial void LogCachedFileUsed(ILogger logger, string path);

    [LoggerMessage(EventId = 2106, EventName = "ModelCacheHashMismatch", Level = LogLevel.Warning,
        Message = "Cached model file {Path} has SHA-256 {ActualSha256}, expected {ExpectedSha256}, so it is deleted and downloaded again")]
    private static partial void LogCachedFileHashMismatch(ILogger logger, string path, string actualSha256, string expectedSha256);

    [LoggerMessage(EventId = 2107, EventName = "ModelDownloadWaitingForLock", Level = LogLevel.Information,
        Message = "Waiting for another download of the same model to finish (lock file {Path})")]
    private static partial void LogWaitingForLock(ILogger logger, string path);
}
