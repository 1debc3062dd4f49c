using Prometheus;

namespace Gantry.Feedback;

/// <summary>Prometheus series of the feedback loop. Label values come from stored records and enums only.</summary>
public static class FeedbackMetrics
{
    private static readonly Counter FeedbackTotal = Metrics.CreateCounter(
        "gantry_feedback_total", "Feedback entries stored, by model and rating (score when only a score was given).",
        new CounterConfiguration { LabelNames = ["model", "rating"] });

    private static readonly Counter RetrainingTriggersTotal = Metrics.CreateCounter(
        "gantry_retraining_triggers_total",
        "Retraining event deliveries: sent for a 2xx answer, failed for each failed attempt (it is retried).",
        new CounterConfiguration { LabelNames = ["outcome"] });

    private static readonly Gauge OutboxBacklog = Metrics.CreateGauge(
        "gantry_outbox_backlog_events", "Events in the outbox that are not delivered yet.");

    /// <summary>
    /// Publishes the series known at startup: both trigger outcomes at 0 and the current outbox backlog, so that
    /// dashboards and alerts see the families before the first event.
    /// </summary>
    public static void Initialize(long outboxBacklog)
    {
        RetrainingTriggersTotal.WithLabels("sent");
        RetrainingTriggersTotal.WithLabels("failed");
        OutboxBacklog.Set(outboxBacklog);
    }

    /// <summary>Counts one stored feedback entry.</summary>
    /// <param name="model">The model from the stored completion record.</param>
    /// <param name="rating">The rating, or null for an entry with only a score.</param>
    public static void FeedbackStored(string model, FeedbackRating? rating) =>
        FeedbackTotal.WithLabels(model, RatingLabel(rating)).Inc();

    /// <summary>Returns the <c>rating</c> label value: <c>up</c>, <c>down</c> or <c>score</c>.</summary>
    public static string RatingLabel(FeedbackRating? rating) => rating switch
    {
        FeedbackRating.Up => "up",
        FeedbackRating.Down => "down",
        _ => "score",
    };

    /// <summary>Counts a delivered retraining event.</summary>
    public static void RetrainingSent() => RetrainingTriggersTotal.WithLabels("sent").Inc();

    /// <summary>Counts a failed delivery attempt of a retraining event.</summary>
    public static void RetrainingFailed() => RetrainingTriggersTotal.WithLabels("failed").Inc();

    /// <summary>Sets the number of undelivered outbox events.</summary>
    public static void SetOutboxBacklog(long events) => OutboxBacklog.Set(events);
}
