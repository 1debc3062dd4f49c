using Gantry.Feedback.Stores;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gantry.Feedback.Hosting;

/// <summary>
/// Deletes completion records older than <see cref="FeedbackOptions.RecordRetentionDays"/>, with their feedback,
/// at startup and then every <see cref="SweepInterval"/>.
/// </summary>
public sealed partial class RecordRetentionService(
    IFeedbackStore store, IOptions<FeedbackOptions> options, TimeProvider timeProvider, ILogger<RecordRetentionService> logger)
    : BackgroundService
{
    /// <summary>Time between sweeps.</summary>
    public static TimeSpan SweepInterval { get; } = TimeSpan.FromHours(1);

    /// <summary>Deletes the expired records once and returns how many completion records were deleted.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var cutoff = timeProvider.GetUtcNow() - TimeSpan.FromDays(options.Value.RecordRetentionDays);
        var deleted = await store.DeleteRecordsBeforeAsync(cutoff, cancellationToken);
        if (deleted > 0)
        {
            LogSwept(logger, deleted, cutoff);
        }

        return deleted;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogSweepFailed(logger, ex);
            }

            try
            {
                await Task.Delay(SweepInterval, timeProvider, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 5200, EventName = "RecordsExpired", Level = LogLevel.Information,
        Message = "Deleted {Count} completion records created before {Cutoff:o} and their feedback")]
    private static partial void LogSwept(ILogger logger, int count, DateTimeOffset cutoff);

    [LoggerMessage(EventId = 5201, EventName = "RecordRetentionFailed", Level = LogLevel.Error,
        Message = "Deleting expired completion records failed; retrying at the next sweep")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
