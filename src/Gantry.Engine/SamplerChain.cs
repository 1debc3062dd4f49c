using LLama.Native;

namespace Gantry.Engine;

/// <summary>Builds the native llama.cpp sampler chain for a request's <see cref="SamplingParameters"/>.</summary>
internal static class SamplerChain
{
    public static SafeLLamaSamplerChainHandle Create(SamplingParameters sampling, int penaltyWindow, int vocabularySize,
        LLamaLogitBias[] endOfGenerationBans)
    {
        var chain = SafeLLamaSamplerChainHandle.Create(LLamaSamplerChainParams.Default());
        if (sampling.IgnoreEos && endOfGenerationBans.Length > 0)
        {
            // LLamaSharp's PreventEOS flag is not applied to the chain, so end-of-generation tokens are banned
            // with a logit bias of minus infinity instead.
            chain.AddLogitBias(vocabularySize, endOfGenerationBans.AsSpan());
        }

        if (sampling.RepetitionPenalty != 1f || sampling.FrequencyPenalty != 0f || sampling.PresencePenalty != 0f)
        {
            chain.AddPenalties(penaltyWindow, sampling.RepetitionPenalty, sampling.FrequencyPenalty,
                sampling.PresencePenalty);
        }

        if (sampling.Temperature <= 0f)
        {
            chain.AddGreedySampler();
            return chain;
        }

        if (sampling.TopK > 0)
        {
            chain.AddTopK(sampling.TopK);
        }

        if (sampling.TopP < 1f)
        {
            chain.AddTopP(sampling.TopP, 1);
        }

        if (sampling.MinP > 0f)
        {
            chain.AddMinP(sampling.MinP, 1);
        }

        chain.AddTemperature(sampling.Temperature);
        chain.AddDistributionSampler(sampling.Seed ?? (uint)Random.Shared.NextInt64(0, uint.MaxValue));
        return chain;
    }
}
