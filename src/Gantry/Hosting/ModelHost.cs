using System.Diagnostics;
using Gantry.Engine;
using Gantry.Engine.Models;
using Gantry.Options;
using Gantry.Upstream;
using Microsoft.Extensions.Options;

namespace Gantry.Hosting;

/// <summary>
/// Owns the served model: loads it in the background once the host has started, so the HTTP listener
/// serves probes at once, runs a short warm-up generation, then exposes the engine. A failed load leaves the
/// process running with the reason in <see cref="FailureReason"/>.
/// </summary>
public sealed partial class ModelHost : BackgroundService
{
    private readonly GantryOptions _options;
    private readonly ILogger<ModelHost> _logger;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly UpstreamHealth? _upstream;
    private volatile LlamaEngine? _engine;
    private volatile string? _failureReason;
    private int _state = (int)ModelState.Loading;

    /// <summary>Creates the host; the load starts when the host starts.</summary>
    /// <param name="options">The server settings.</param>
    /// <param name="logger">The host's logger.</param>
    /// <param name="loggerFactory">Creates the engine's logger.</param>
    /// <param name="upstream">In upstream mode, the upstream's health, which <see cref="State"/> then follows.</param>
    public ModelHost(IOptions<GantryOptions> options, ILogger<ModelHost> logger, ILoggerFactory loggerFactory,
        UpstreamHealth? upstream = null)
    {
        _upstream = upstream;
        _options = options.Value;
        _logger = logger;
        _loggerFactory = loggerFactory;
        ModelName = _options.GetModelName();
    }

    /// <summary>The model id clients send.</summary>
    public string ModelName { get; }

    /// <summary>
    /// The lifecycle state. In upstream mode nothing loads here, and the state follows the upstream's health
    /// polls (see <see cref="UpstreamHealth.ModelState"/>).
    /// </summary>
    public ModelState State => _upstream?.ModelState ?? (ModelState)Volatile.Read(ref _state);

    /// <summary>Why the load failed; null unless <see cref="State"/> is <see cref="ModelState.Failed"/>.</summary>
    public string? FailureReason => _upstream is null ? _failureReason : _upstream.FailureReason;

    /// <summary>Seconds the load and warm-up took; 0 until they finish.</summary>
    public double LoadSeconds { get; private set; }

    /// <summary>Whether the model's weights are in memory; true from the end of the load, before the warm-up.</summary>
    public bool IsLoaded => _engine is not null;

    /// <summary>Completes when the first load attempt has finished, whether it succeeded or failed.</summary>
    public Task Loaded => _loaded.Task;

    /// <summary>The engine, once <see cref="State"/> is <see cref="ModelState.Ready"/>; null before.</summary>
    public LlamaEngine? Engine => State == ModelState.Ready ? _engine : null;

    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Run(() => LoadAsync(stoppingToken), stoppingToken);

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        var engine = _engine;
        _engine = null;
        if (engine is not null)
        {
            await engine.DisposeAsync();
        }
    }

    /// <summary>
    /// Downloads (when needed), loads and warms up the model, failing once <see cref="GantryOptions.ModelLoadTimeout"/>
    /// has passed. A native load cannot be interrupted, so a load that finishes after the deadline is disposed then.
    /// </summary>
    private async Task<LlamaEngine> LoadWithinTimeoutAsync(CancellationToken stoppingToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(_options.ModelLoadTimeout));
        var loading = Task.Run(async () =>
        {
            var path = await ResolveModelPathAsync(deadline.Token);
            Log.Loading(_logger, ModelName, path);
            var loaded = LlamaEngine.Load(new EngineOptions
            {
                ModelPath = path,
                ContextSize = _options.ContextSize,
                Parallel = _options.Parallel,
                MaxQueue = _options.MaxQueue,
                Threads = _options.Threads,
            }, _loggerFactory.CreateLogger<LlamaEngine>());
            try
            {
                await WarmUpAsync(loaded, deadline.Token);
                return loaded;
            }
            catch
            {
                await loaded.DisposeAsync();
                throw;
            }
        }, CancellationToken.None);
        try
        {
            return await loading.WaitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            _ = loading.ContinueWith(task =>
            {
                if (task.IsCompletedSuccessfully)
                {
                    task.Result.DisposeAsync().AsTask().Wait();
                }
            }, TaskScheduler.Default);
            throw new TimeoutException(
                $"The model did not load within --model-load-timeout ({_options.ModelLoadTimeout} s).");
        }
    }

    private async Task LoadAsync(CancellationToken stoppingToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await WaitForLoadGateAsync(stoppingToken);
            var engine = await LoadWithinTimeoutAsync(stoppingToken);
            _engine = engine;
            LoadSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            Volatile.Write(ref _state, (int)ModelState.Ready);
            Log.Ready(_logger, ModelName, LoadSeconds, engine.Formatter.UsesModelTemplate ? "model" : "fallback");
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            _failureReason = exception.Message;
            Volatile.Write(ref _state, (int)ModelState.Failed);
            await DisposeFailedEngineAsync();
            Log.LoadFailed(_logger, ModelName, exception.Message, exception);
        }
        finally
        {
            _loaded.TrySetResult();
        }
    }

    private async Task<string> ResolveModelPathAsync(CancellationToken cancellationToken)
    {
        var model = _options.Model!;
        var cacheDirectory = Path.Combine(_options.DataDir, "models");
        using var httpClient = ModelSource.CreateHttpClient();
        var downloader = new ModelDownloader(httpClient, logger: _loggerFactory.CreateLogger<ModelDownloader>());
        var progress = ModelSource.IsUrl(model) ? ConsoleDownloadProgress.ForStandardError(ModelName) : null;
        return await ModelSource.ResolveAsync(model, cacheDirectory, _options.ModelSha256, progress, downloader, cancellationToken);
    }

    private async Task DisposeFailedEngineAsync()
    {
        // A warm-up failure leaves a loaded engine that nothing will use.
        var engine = _engine;
        _engine = null;
        if (engine is not null)
        {
            await engine.DisposeAsync();
        }
    }

    private async Task WaitForLoadGateAsync(CancellationToken cancellationToken)
    {
        // A test hook: the integration tests hold the load here to observe the probes while loading.
        if (string.IsNullOrEmpty(_options.Testing.LoadGateFile))
        {
            return;
        }

        Log.WaitingForGate(_logger, _options.Testing.LoadGateFile);
        while (!File.Exists(_options.Testing.LoadGateFile))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }
    }

    private static async Task WarmUpAsync(LlamaEngine engine, CancellationToken cancellationToken)
    {
        // One short generation through the chat template and the decode loop, so the first client request
        // does not pay for lazy native allocations.
        var prompt = engine.Tokenize(engine.Formatter.Format([new ChatMessage("user", "Hello")]), addBos: true);
        var request = new GenerationRequest(prompt, 1, [], new SamplingParameters { Temperature = 0 });
        if (!engine.TrySubmit(request, out var generation))
        {
            throw new InvalidOperationException("The warm-up request could not be queued.");
        }

        await foreach (var item in generation.Events.ReadAllAsync(cancellationToken))
        {
            if (item is GenerationFinished { Reason: FinishReason.Error } failed)
            {
                throw new InvalidOperationException($"The warm-up generation failed: {failed.Error}");
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(2001, LogLevel.Information, "Loading model {Model} from {Path}", EventName = "ModelLoading")]
        public static partial void Loading(ILogger logger, string model, string path);

        [LoggerMessage(2002, LogLevel.Information,
            "Model {Model} is ready after {Seconds:F2} s (chat template: {Template})", EventName = "ModelReady")]
        public static partial void Ready(ILogger logger, string model, double seconds, string template);

        [LoggerMessage(2003, LogLevel.Error, "Model {Model} failed to load: {Reason}", EventName = "ModelLoadFailed")]
        public static partial void LoadFailed(ILogger logger, string model, string reason, Exception exception);

        [LoggerMessage(2004, LogLevel.Warning, "Model load waits for the test gate file {Path}",
            EventName = "ModelLoadGateWaiting")]
        public static partial void WaitingForGate(ILogger logger, string path);
    }
}
