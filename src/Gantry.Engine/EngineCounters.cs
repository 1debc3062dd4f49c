namespace Gantry.Engine;

/// <summary>Monotonic counters of the decode loop. Read from any thread; only the loop writes them.</summary>
public sealed class EngineCounters
{
    private long _decodeSteps;
    private long _decodedSequences;
    private long _promptTokens;
    private long _generatedTokens;

    /// <summary>llama.cpp decode calls made.</summary>
    public long DecodeSteps => Volatile.Read(ref _decodeSteps);

    /// <summary>
    /// Sum over decode steps of the sequences that got a token from that step. It exceeds
    /// <see cref="DecodeSteps"/> exactly when some steps decoded several sequences together.
    /// </summary>
    public long DecodedSequences => Volatile.Read(ref _decodedSequences);

    /// <summary>Prompt tokens decoded.</summary>
    public long PromptTokens => Volatile.Read(ref _promptTokens);

    /// <summary>Completion tokens sampled.</summary>
    public long GeneratedTokens => Volatile.Read(ref _generatedTokens);

    internal void AddStep(int sequences)
    {
        Interlocked.Increment(ref _decodeSteps);
        Interlocked.Add(ref _decodedSequences, sequences);
        Interlocked.Add(ref _generatedTokens, sequences);
    }

    internal void AddPrompt(int tokens) => Interlocked.Add(ref _promptTokens, tokens);
}
