using System.Diagnostics;
using System.Text;
using LLama;
using LLama.Batched;
using LLama.Native;

namespace Gantry.Engine;

/// <summary>A generation that occupies a slot: its conversation, sampler and text state. Used by the decode loop only.</summary>
internal sealed class ActiveSequence : IDisposable
{
    private readonly StreamingTokenDecoder _decoder;
    private readonly StopSequenceMatcher _stops;
    private long _firstTokenAt;
    private long _lastTokenAt;

    public ActiveSequence(Generation generation, Conversation conversation, SafeLLamaSamplerChainHandle sampler,
        LLamaWeights weights)
    {
        Generation = generation;
        Conversation = conversation;
        Sampler = sampler;
        StartedAt = Stopwatch.GetTimestamp();
        _decoder = new StreamingTokenDecoder(Encoding.UTF8, weights);
        _stops = new StopSequenceMatcher(generation.Request.Stop);
    }

    public Generation Generation { get; }

    public Conversation Conversation { get; }

    public SafeLLamaSamplerChainHandle Sampler { get; }

    public int CompletionTokens { get; private set; }

    private long StartedAt { get; }

    /// <summary>Counts a sampled token and returns the text it releases, with any stop string cut off.</summary>
    public string AddToken(LLamaToken token, bool isEndOfGeneration, out bool stopped)
    {
        CompletionTokens++;
        _lastTokenAt = Stopwatch.GetTimestamp();
        if (_firstTokenAt == 0)
        {
            _firstTokenAt = _lastTokenAt;
        }

        if (isEndOfGeneration)
        {
            stopped = true;
            return _stops.Flush();
        }

        _decoder.Add(token);
        return _stops.Push(_decoder.Read(), out stopped);
    }

    /// <summary>Returns text held back for a possible stop string, when the sequence ends for another reason.</summary>
    public string FlushText() => _stops.Flush();

    public GenerationUsage GetUsage()
    {
        var submitted = Generation.SubmittedAt;
        return new GenerationUsage(
            Generation.Request.PromptTokens.Count,
            CompletionTokens,
            Stopwatch.GetElapsedTime(submitted, StartedAt).TotalSeconds,
            _firstTokenAt == 0 ? null : Stopwatch.GetElapsedTime(submitted, _firstTokenAt).TotalSeconds,
            _firstTokenAt == 0 ? 0 : Stopwatch.GetElapsedTime(_firstTokenAt, _lastTokenAt).TotalSeconds);
    }

    /// <summary>Removes the sequence from the KV cache and frees the sampler.</summary>
    public void Dispose()
    {
        Conversation.Dispose();
        Sampler.Dispose();
    }
}
