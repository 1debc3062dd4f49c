namespace Gantry.Engine;

/// <summary>Settings of the in-process llama.cpp engine, fixed when the model loads.</summary>
public sealed record EngineOptions
{
    /// <summary>Path of the GGUF file.</summary>
    public required string ModelPath { get; init; }

    /// <summary>
    /// Maximum tokens of one sequence (prompt plus completion). The KV cache has room for
    /// <see cref="ContextSize"/> × <see cref="Parallel"/> tokens, so every running sequence can reach it.
    /// </summary>
    public int ContextSize { get; init; } = 4096;

    /// <summary>Maximum sequences decoded together in one batch.</summary>
    public int Parallel { get; init; } = 4;

    /// <summary>Maximum requests waiting for a free sequence; more are rejected at once.</summary>
    public int MaxQueue { get; init; } = 64;

    /// <summary>CPU threads for decoding; LLamaSharp's own default is half the cores, which is slower.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Maximum tokens in one llama.cpp decode call; longer prompts are split over several steps.</summary>
    public int BatchSize { get; init; } = 512;
}
