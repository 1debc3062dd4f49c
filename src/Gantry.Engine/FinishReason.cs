namespace Gantry.Engine;

/// <summary>Why a sequence ended.</summary>
public enum FinishReason
{
    /// <summary>An end-of-generation token or a stop string.</summary>
    Stop,

    /// <summary>The <c>max_tokens</c> limit or the end of the context.</summary>
    Length,

    /// <summary>The client went away or the request was cancelled.</summary>
    Cancelled,

    /// <summary>The engine failed; the event carries the message.</summary>
    Error,
}
