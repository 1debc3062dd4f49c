using Gantry.Engine;

namespace Gantry.Metrics;

/// <summary>How an inference request ended: the <c>outcome</c> label of <c>gantry_requests_total</c>.</summary>
public enum RequestOutcome
{
    /// <summary>The generation ended at an end-of-generation token or a stop string.</summary>
    Stop,

    /// <summary>The generation reached <c>max_tokens</c> or the end of the context.</summary>
    Length,

    /// <summary>The client went away before the generation ended.</summary>
    Cancelled,

    /// <summary>The engine or the server failed.</summary>
    Error,

    /// <summary>Answered with a 4xx or 5xx before reaching the engine: invalid body, unknown model, loading, full queue, draining.</summary>
    Rejected,

    /// <summary>Still running at the drain deadline and stopped by the server.</summary>
    Aborted,
}

/// <summary>Maps outcomes to label values and finish reasons to outcomes.</summary>
public static class RequestOutcomes
{
    /// <summary>Every outcome, for creating all series up front.</summary>
    public static IReadOnlyList<RequestOutcome> All { get; } = Enum.GetValues<RequestOutcome>();

    /// <summary>The label value of <paramref name="outcome"/>.</summary>
    public static string ToLabel(this RequestOutcome outcome) => outcome switch
    {
        RequestOutcome.Stop => "stop",
        RequestOutcome.Length => "length",
        RequestOutcome.Cancelled => "cancelled",
        RequestOutcome.Error => "error",
        RequestOutcome.Rejected => "rejected",
        RequestOutcome.Aborted => "aborted",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "Unknown request outcome."),
    };

    /// <summary>The outcome of a generation that ended for <paramref name="reason"/>.</summary>
    public static RequestOutcome FromFinishReason(FinishReason reason) => reason switch
    {
        FinishReason.Stop => RequestOutcome.Stop,
        FinishReason.Length => RequestOutcome.Length,
        FinishReason.Cancelled => RequestOutcome.Cancelled,
        FinishReason.Error => RequestOutcome.Error,
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "Unknown finish reason."),
    };
}
