using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using LLama;
using LLama.Batched;
using LLama.Common;
using LLama.Native;
using Microsoft.Extensions.Logging;

namespace Gantry.Engine;

/// <summary>
/// A GGUF model served by llama.cpp with continuous batching. One decode loop owns the
/// <see cref="BatchedExecutor"/>: it admits waiting requests, decodes every running sequence in one
/// llama.cpp batch per step, samples each sequence and feeds the sampled token back. A request that arrives
/// while others generate joins the next step. Other threads talk to the loop only through
/// <see cref="TrySubmit"/> and the returned <see cref="Generation"/>.
/// </summary>
public sealed partial class LlamaEngine : IAsyncDisposable
{
    private readonly EngineOptions _options;
    private readonly ILogger _logger;
    private readonly LLamaWeights _weights;
    private readonly ModelParams _contextParams;
    private BatchedExecutor _executor;
    private readonly LLamaLogitBias[] _endOfGenerationBans;
    private readonly HashSet<int> _endOfGenerationTokens;
    private readonly Channel<Generation> _incoming = Channel.CreateUnbounded<Generation>(
        new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private int _accepted;
    private int _running;
    private long _cachedTokens;

    private LlamaEngine(EngineOptions options, ILogger logger, LLamaWeights weights)
    {
        _options = options;
        _logger = logger;
        _weights = weights;
        _contextParams = new ModelParams(options.ModelPath)
        {
            ContextSize = checked((uint)(options.ContextSize * options.Parallel)),
            BatchSize = checked((uint)options.BatchSize),
            Threads = options.Threads,
            BatchThreads = options.Threads,
            SeqMax = checked((uint)options.Parallel),
            GpuLayerCount = 0,
        };
        _executor = new BatchedExecutor(weights, _contextParams);
        Formatter = ChatFormatter.Create(weights, logger);

        var vocab = weights.NativeHandle.Vocab;
        _endOfGenerationTokens = [];
        for (var id = 0; id < vocab.Count; id++)
        {
            if (((LLamaToken)id).IsEndOfGeneration(vocab))
            {
                _endOfGenerationTokens.Add(id);
            }
        }

        _endOfGenerationBans = _endOfGenerationTokens
            .Select(id => new LLamaLogitBias { Token = id, Bias = float.NegativeInfinity })
            .ToArray();
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Maximum tokens of one sequence, prompt and completion together.</summary>
    public int ContextSize => _options.ContextSize;

    /// <summary>Chat template in use.</summary>
    public ChatFormatter Formatter { get; }

    /// <summary>Counters of the decode loop.</summary>
    public EngineCounters Counters { get; } = new();

    /// <summary>Sequences holding a slot now.</summary>
    public int RunningCount => Volatile.Read(ref _running);

    /// <summary>Accepted requests that wait for a slot.</summary>
    public int WaitingCount => Math.Max(0, Volatile.Read(ref _accepted) - Volatile.Read(ref _running));

    /// <summary>Share of the KV cache that running sequences occupy, 0 to 1.</summary>
    public double KvCacheUsage =>
        (double)Volatile.Read(ref _cachedTokens) / ((long)_options.ContextSize * _options.Parallel);

    /// <summary>Loads the model and starts the decode loop. Blocks for the whole load; run it off the request path.</summary>
    /// <exception cref="FileNotFoundException">The model file does not exist.</exception>
    /// <exception cref="LLama.Exceptions.LoadWeightsFailedException">llama.cpp could not load the file.</exception>
    public static LlamaEngine Load(EngineOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!File.Exists(options.ModelPath))
        {
            throw new FileNotFoundException($"Model file not found: {options.ModelPath}", options.ModelPath);
        }

        var modelParams = new ModelParams(options.ModelPath) { GpuLayerCount = 0 };
        var weights = LLamaWeights.LoadFromFile(modelParams);
        try
        {
            return new LlamaEngine(options, logger, weights);
        }
        catch
        {
            weights.Dispose();
            throw;
        }
    }

    /// <summary>Converts text to token ids. Thread-safe.</summary>
    public int[] Tokenize(string text, bool addBos)
    {
        var tokens = _weights.Tokenize(text, addBos, special: true, System.Text.Encoding.UTF8);
        var ids = new int[tokens.Length];
        for (var i = 0; i < tokens.Length; i++)
        {
            ids[i] = (int)tokens[i];
        }

        return ids;
    }

    /// <summary>
    /// Queues a request. Returns false, without queuing it, when <see cref="EngineOptions.Parallel"/> sequences
    /// run and <see cref="EngineOptions.MaxQueue"/> requests already wait.
    /// </summary>
    public bool TrySubmit(GenerationRequest request, [NotNullWhen(true)] out Generation? generation)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.PromptTokens.Count == 0 || request.PromptTokens.Count + request.MaxTokens > ContextSize)
        {
            throw new ArgumentException("The prompt must be non-empty and fit the context with its max tokens.",
                nameof(request));
        }

        generation = null;
        if (_stopping.IsCancellationRequested)
        {
            return false;
        }

        if (Interlocked.Increment(ref _accepted) > _options.Parallel + _options.MaxQueue)
        {
            Interlocked.Decrement(ref _accepted);
            return false;
        }

        generation = new Generation(request, OnCancelledWhileQueued);
        if (!_incoming.Writer.TryWrite(generation))
        {
            Interlocked.Decrement(ref _accepted);
            generation = null;
            return false;
        }

        return true;
    }

    /// <summary>Stops the decode loop, ends every open stream with an error and frees the model.</summary>
    public async ValueTask DisposeAsync()
    {
        _incoming.Writer.TryComplete();
        await _stopping.CancelAsync();
        await _loop.ConfigureAwait(false);
        _executor.Dispose();
        _weights.Dispose();
        _stopping.Dispose();
    }
}
