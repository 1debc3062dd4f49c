using Gantry.Feedback.Retraining;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gantry.Feedback.Hosting;

/// <summary>
/// Runs the retraining policy every <see cref="RetrainingOptions.CheckIntervalSeconds"/> and the outbox sender
/// every <see cref="RetrainingOptions.InitialRetryDelaySeconds"/>, so retries are not held back by the policy interval.
/// </summary>
public sealed partial class RetrainingService(
    RetrainingTrigger trigger, OutboxSender sender, IOptions<FeedbackOptions> options, TimeProvider timeProvider,
    ILogger<RetrainingService> logger) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var policy = options.Value.Retraining;
        var checkInterval = TimeSpan.FromSeconds(Math.Max(1, policy.CheckIntervalSeconds));
        var sendInterval = TimeSpan.FromSeconds(Math.Clamp(policy.InitialRetryDelaySeconds, 1, checkInterval.TotalSeconds));
        var nextCheck = timeProvider.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (timeProvider.GetUtcNow() >= nextCheck)
                {
                    nextCheck = timeProvider.GetUtcNow() + checkInterval;
                    await trigger.EvaluateAsync(stoppingToken);
                }

                await sender.SendDueAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogPassFailed(logger, ex);
            }

            try
            {
                await Task.Delay(sendInterval, timeProvider, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 5120, EventName = "RetrainingPassFailed", Level = LogLevel.Error,
        Message = "Retraining check or outbox delivery failed; retrying at the next pass")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);
}
