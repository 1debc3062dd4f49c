using System.Net.Http.Headers;
using Gantry.Feedback.Stores;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gantry.Feedback.Retraining;

/// <summary>
/// Delivers outbox events to the webhook: POST with <c>Content-Type: application/cloudevents+json</c> until a
/// 2xx response, backing off exponentially between attempts. The state lives in the store, so a restarted process
/// continues where the previous one stopped. Delivery is at least once, so receivers deduplicate by event id.
/// </summary>
public sealed partial class OutboxSender(
    IFeedbackStore store, HttpClient httpClient, IOptions<FeedbackOptions> options, TimeProvider timeProvider,
    ILogger<OutboxSender> logger)
{
    /// <summary>Maximum events sent by one <see cref="SendDueAsync"/> call.</summary>
    public const int MaxEventsPerPass = 100;

    /// <summary>Attempts every due event once and returns the number delivered.</summary>
    public async Task<int> SendDueAsync(CancellationToken cancellationToken)
    {
        var policy = options.Value.Retraining;
        if (string.IsNullOrWhiteSpace(policy.WebhookUrl))
        {
            return 0;
        }

        var timeout = TimeSpan.FromSeconds(policy.RequestTimeoutSeconds);
        var delivered = 0;
        for (var i = 0; i < MaxEventsPerPass; i++)
        {
            var now = timeProvider.GetUtcNow();

            // The lease outlasts the request, so another replica does not send the same event at the same time.
            var message = await store.ClaimOutboxAsync(now, now + timeout + timeout, cancellationToken);
            if (message is null)
            {
                break;
            }

            var error = await PostAsync(policy.WebhookUrl, message, timeout, cancellationToken);
            if (error is null)
            {
                await store.MarkOutboxSentAsync(message.Id, timeProvider.GetUtcNow(), CancellationToken.None);
                FeedbackMetrics.RetrainingSent();
                LogDelivered(logger, message.Id, message.Attempts + 1);
                delivered++;
                continue;
            }

            var attempts = message.Attempts + 1;
            var delay = RetryDelay(policy, attempts);
            await store.MarkOutboxFailedAsync(message.Id, attempts, timeProvider.GetUtcNow() + delay, error, CancellationToken.None);
            FeedbackMetrics.RetrainingFailed();
            LogDeliveryFailed(logger, message.Id, attempts, error, delay.TotalSeconds);
        }

        FeedbackMetrics.SetOutboxBacklog(await store.CountOutboxBacklogAsync(cancellationToken));
        return delivered;
    }

    /// <summary>Returns the wait after failed attempt number <paramref name="attempts"/>: the initial delay doubled per attempt, capped.</summary>
    public static TimeSpan RetryDelay(RetrainingOptions policy, int attempts)
    {
        var seconds = policy.InitialRetryDelaySeconds * Math.Pow(2, Math.Min(attempts - 1, 30));
        return TimeSpan.FromSeconds(Math.Min(seconds, policy.MaxRetryDelaySeconds));
    }

    private async Task<string?> PostAsync(string url, OutboxMessage message, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        using var content = new StringContent(message.PayloadJson);
        content.Headers.ContentType = new MediaTypeHeaderValue(RetrainingEvent.MediaType) { CharSet = "utf-8" };
        try
        {
            using var response = await httpClient.PostAsync(url, content, timeoutSource.Token);
            return response.IsSuccessStatusCode ? null : $"webhook returned HTTP {(int)response.StatusCode}";
        }
        catch (HttpRequestException ex)
        {
            return $"webhook request failed: {ex.Message}";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"webhook request timed out after {timeout.TotalSeconds} s";
        }
    }

    [LoggerMessage(EventId = 5110, EventName = "RetrainingEventDelivered", Level = LogLevel.Information,
        Message = "Retraining event {EventId} delivered on attempt {Attempt}")]
    private static partial void LogDelivered(ILogger logger, string eventId, int attempt);

    [LoggerMessage(EventId = 5111, EventName = "RetrainingEventDeliveryFailed", Level = LogLevel.Warning,
        Message = "Retraining event {EventId} attempt {Attempt} failed: {Error}; retrying in {DelaySeconds} s")]
    private static partial void LogDeliveryFailed(ILogger logger, string eventId, int attempt, string error, double delaySeconds);
}
