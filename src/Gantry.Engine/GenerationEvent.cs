namespace Gantry.Engine;

/// <summary>An item of a sequence's output stream: text as it is generated, then one final event.</summary>
public abstract record GenerationEvent;

/// <summary>New completion text. It never ends inside a UTF-8 character or inside a possible stop string.</summary>
/// <param name="Text">The text added since the previous delta.</param>
/// <param name="TokenCount">Completion tokens generated so far.</param>
public sealed record TextDelta(string Text, int TokenCount) : GenerationEvent;

/// <summary>The last event of a sequence.</summary>
/// <param name="Reason">Why the sequence ended.</param>
/// <param name="Usage">Token counts and timings.</param>
/// <param name="Error">The failure message when <paramref name="Reason"/> is <see cref="FinishReason.Error"/>.</param>
public sealed record GenerationFinished(FinishReason Reason, GenerationUsage Usage, string? Error = null)
    : GenerationEvent;

/// <summary>Token counts and timings of one sequence. Times are seconds on the engine's monotonic clock.</summary>
/// <param name="PromptTokens">Tokens of the prompt.</param>
/// <param name="CompletionTokens">Tokens generated, including any end-of-generation token.</param>
/// <param name="QueueSeconds">From submission until the sequence got a slot.</param>
/// <param name="FirstTokenSeconds">From submission until the first token was sampled; null if none was.</param>
/// <param name="DecodeSeconds">From the first until the last sampled token.</param>
public sealed record GenerationUsage(
    int PromptTokens,
    int CompletionTokens,
    double QueueSeconds,
    double? FirstTokenSeconds,
    double DecodeSeconds);
