namespace Gantry.Engine;

/// <summary>A tokenized prompt and the limits of its completion, as the engine's queue takes it.</summary>
/// <param name="PromptTokens">Prompt token ids, beginning-of-sequence token included.</param>
/// <param name="MaxTokens">Maximum completion tokens; prompt plus completion must fit the context.</param>
/// <param name="Stop">Strings that end the completion; they are not part of the returned text.</param>
/// <param name="Sampling">How tokens are chosen.</param>
public sealed record GenerationRequest(
    IReadOnlyList<int> PromptTokens,
    int MaxTokens,
    IReadOnlyList<string> Stop,
    SamplingParameters Sampling);
