namespace Gantry.Testing;

/// <summary>
/// SplitMix64 pseudo-random generator. Its output depends only on the seed, so generated
/// weights are the same on every runtime version and platform (unlike <see cref="Random"/>,
/// whose algorithm .NET does not promise to keep).
/// </summary>
internal struct SplitMix64(ulong seed)
{
    private ulong _state = seed;

    /// <summary>Returns the next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        var z = _state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Returns a float drawn uniformly from [-1, 1).</summary>
    public float NextSignedUnit() => ((NextUInt64() >> 40) * (1.0f / (1 << 23))) - 1.0f;

    /// <summary>Derives a seed for one named stream from a base seed, with FNV-1a over the name.</summary>
    public static ulong DeriveSeed(ulong seed, string name)
    {
        var hash = 0xCBF29CE484222325UL ^ seed;
        foreach (var character in name)
        {
            hash ^= character;
            hash *= 0x100000001B3UL;
        }

        return hash;
    }
}
