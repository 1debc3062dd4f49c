namespace Gantry.Feedback;

/// <summary>How much of each completion the server stores (configuration key <c>Gantry:Capture</c>).</summary>
public enum CaptureMode
{
    /// <summary>No completion record is stored, so <c>POST /v1/feedback</c> returns 404 for every completion id.</summary>
    Off,

    /// <summary>Ids, model, parameters, token counts, latency and finish reason, without prompt or completion text (default).</summary>
    Metadata,

    /// <summary>Everything in <see cref="Metadata"/> plus the request messages and the completion text, which datasets need.</summary>
    Full,
}
