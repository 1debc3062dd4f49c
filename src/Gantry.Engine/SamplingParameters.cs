namespace Gantry.Engine;

/// <summary>How the next token is chosen. The defaults are the OpenAI API's.</summary>
public sealed record SamplingParameters
{
    /// <summary>Softmax temperature; 0 selects the most likely token (greedy).</summary>
    public float Temperature { get; init; } = 1f;

    /// <summary>Nucleus sampling mass; 1 turns it off.</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>Keep only the k most likely tokens; 0 turns it off.</summary>
    public int TopK { get; init; }

    /// <summary>Drop tokens below this fraction of the most likely token's probability; 0 turns it off.</summary>
    public float MinP { get; init; }

    /// <summary>Multiplicative penalty for tokens already seen; 1 turns it off.</summary>
    public float RepetitionPenalty { get; init; } = 1f;

    /// <summary>Additive penalty scaled by how often a token was seen, -2 to 2.</summary>
    public float FrequencyPenalty { get; init; }

    /// <summary>Additive penalty for any token already seen, -2 to 2.</summary>
    public float PresencePenalty { get; init; }

    /// <summary>Seed of the random sampler; null picks a random seed.</summary>
    public uint? Seed { get; init; }

    /// <summary>Keep generating past end-of-generation tokens, which are then never sampled.</summary>
    public bool IgnoreEos { get; init; }
}
