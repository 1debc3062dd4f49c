using LLama.Batched;
using LLama.Native;
using Microsoft.Extensions.Logging;

namespace Gantry.Engine;

public sealed partial class LlamaEngine
{
    private async Task RunAsync()
    {
        var active = new List<ActiveSequence>(_options.Parallel);
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                // 1. Free the slots of cancelled sequences before anything else, so their KV cache space is
                //    available to this step's admissions and never decoded again.
                RemoveCancelled(active);

                // 2. Admit waiting requests while slots are free; their prompts join the next decode step.
                Admit(active);
                if (active.Count == 0)
                {
                    if (!await _incoming.Reader.WaitToReadAsync(_stopping.Token).ConfigureAwait(false))
                    {
                        break;
                    }

                    continue;
                }

                // 3. Decode one batch: the new prompts and the last sampled token of every other sequence.
                var result = await _executor.Infer(CancellationToken.None).ConfigureAwait(false);
                if (result != DecodeResult.Ok)
                {
                    Log.DecodeFailed(_logger, result, active.Count);
                    FinishAll(active, FinishReason.Error, $"llama.cpp decode failed: {result}");

                    // The executor keeps the failed batch queued for a retry, and that batch contains tokens of the sequences
                    // just ended. A fresh executor starts from an empty queue and an empty KV cache.
                    _executor.Dispose();
                    _executor = new BatchedExecutor(_weights, _contextParams);
                    continue;
                }

                // 4. Sample every sequence that got logits from this step and feed the token back. This must
                //    happen before the next Infer(), which invalidates the logits.
                Counters.AddStep(SampleAll(active));
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            Log.LoopFailed(_logger, exception);
            FinishAll(active, FinishReason.Error, "The inference engine failed; see the server log.");
            throw;
        }
        finally
        {
            FinishAll(active, FinishReason.Error, "The server is shutting down.");
            while (_incoming.Reader.TryRead(out var waiting))
            {
                if (waiting.TryAdmit())
                {
                    Complete(waiting, FinishReason.Error, EmptyUsage(waiting), "The server is shutting down.");
                }
            }
        }
    }

    private void OnCancelledWhileQueued(Generation generation) =>
        Complete(generation, FinishReason.Cancelled, EmptyUsage(generation), null);

    private static GenerationUsage EmptyUsage(Generation generation) =>
        new(generation.Request.PromptTokens.Count, 0, 0, null, 0);

    private void Admit(List<ActiveSequence> active)
    {
        while (active.Count < _options.Parallel && _incoming.Reader.TryRead(out var generation))
        {
            if (!generation.TryAdmit())
            {
                // Cancelled while queued: Cancel() has already completed it.
                continue;
            }

            var conversation = _executor.Create();
            var prompt = new LLamaToken[generation.Request.PromptTokens.Count];
            for (var i = 0; i < prompt.Length; i++)
            {
                prompt[i] = generation.Request.PromptTokens[i];
            }

            conversation.Prompt(prompt);
            var sampler = SamplerChain.Create(generation.Request.Sampling, _options.ContextSize,
                _weights.NativeHandle.Vocab.Count, _endOfGenerationBans);
            active.Add(new ActiveSequence(generation, conversation, sampler, _weights));
            Counters.AddPrompt(prompt.Length);
            Interlocked.Add(ref _cachedTokens, prompt.Length);
            Interlocked.Increment(ref _running);
        }
    }

    private int SampleAll(List<ActiveSequence> active)
    {
        var context = _executor.Context.NativeHandle;
        var sampled = 0;
        for (var i = active.Count - 1; i >= 0; i--)
        {
            var sequence = active[i];
            if (!sequence.Conversation.RequiresSampling)
            {
                continue;
            }

            sampled++;
            if (sequence.Generation.IsCancelled)
            {
                Finish(active, i, FinishReason.Cancelled, null);
                continue;
            }

            var token = sequence.Sampler.Sample(context, sequence.Conversation.GetSampleIndex());
            var isEnd = _endOfGenerationTokens.Contains((int)token) && !sequence.Generation.Request.Sampling.IgnoreEos;
            var text = sequence.AddToken(token, isEnd, out var stopped);
            var limitReached = sequence.CompletionTokens >= sequence.Generation.Request.MaxTokens
                || sequence.Conversation.TokenCount + 1 >= _options.ContextSize;
            if (limitReached && !stopped)
            {
                text += sequence.FlushText();
            }

            if (text.Length > 0)
            {
                sequence.Generation.Writer.TryWrite(new TextDelta(text, sequence.CompletionTokens));
            }

            if (stopped || limitReached)
            {
                Finish(active, i, stopped ? FinishReason.Stop : FinishReason.Length, null);
                continue;
            }

            sequence.Conversation.Prompt(token);
            Interlocked.Increment(ref _cachedTokens);
        }

        return sampled;
    }

    private void RemoveCancelled(List<ActiveSequence> active)
    {
        for (var i = active.Count - 1; i >= 0; i--)
        {
            // NOTE: a sequence whose last token already sits in the executor's next batch cannot leave before that
            // batch is decoded: disposing it would leave a token for a removed sequence in the batch and make the
            // decode fail. SampleAll frees it right after the step instead of sampling it.
            if (active[i].Generation.IsCancelled && !active[i].Conversation.RequiresInference)
            {
                Finish(active, i, FinishReason.Cancelled, null);
            }
        }
    }

    private void FinishAll(List<ActiveSequence> active, FinishReason reason, string message)
    {
        for (var i = active.Count - 1; i >= 0; i--)
        {
            Finish(active, i, reason, message);
        }
    }

    private void Finish(List<ActiveSequence> active, int index, FinishReason reason, string? error)
    {
        var sequence = active[index];
        active.RemoveAt(index);
        Interlocked.Add(ref _cachedTokens, -sequence.Conversation.TokenCount);
        sequence.Dispose();
        Interlocked.Decrement(ref _running);
        Complete(sequence.Generation, reason, sequence.GetUsage(), error);
    }

    private void Complete(Generation generation, FinishReason reason, GenerationUsage usage, string? error)
    {
        Interlocked.Decrement(ref _accepted);
        generation.Writer.TryWrite(new GenerationFinished(reason, usage, error));
        generation.Writer.TryComplete();
    }

    private static partial class Log
    {
        [LoggerMessage(1101, LogLevel.Error, "llama.cpp decode returned {Result}; ending {Count} running sequences",
            EventName = "DecodeFailed")]
        public static partial void DecodeFailed(ILogger logger, DecodeResult result, int count);

        [LoggerMessage(1102, LogLevel.Critical, "The decode loop failed", EventName = "DecodeLoopFailed")]
        public static partial void LoopFailed(ILogger logger, Exception exception);
    }
}
