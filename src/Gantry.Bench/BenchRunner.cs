namespace Gantry.Bench;

/// <summary>
/// Runs one benchmark against one server: warm-up requests first, unmeasured, then the measured requests,
/// either in a closed loop (<c>concurrency</c> workers, each sending its next request when the previous one
/// ends) or at Poisson arrival times. Stopping (<c>stop</c> cancelled) sends nothing more and cancels the
/// requests in flight; the summary then covers what finished before.
/// </summary>
public sealed class BenchRunner
{
    private readonly RequestSender _sender;
    private readonly BenchOptions _options;
    private readonly TimeProvider _time;
    private readonly TextWriter? _progressWriter;

    /// <summary>Creates a runner that sends through <paramref name="sender"/>; progress goes to <paramref name="progressWriter"/> unless null.</summary>
    public BenchRunner(RequestSender sender, BenchOptions options, TimeProvider time, TextWriter? progressWriter)
    {
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _sender = sender;
        _options = options;
        _time = time;
        _progressWriter = progressWriter;
    }

    /// <summary>
    /// Runs the warm-up and the measured requests with prompts built from <paramref name="seed"/>, labelling
    /// the progress bar <paramref name="label"/>.
    /// </summary>
    public async Task<BenchSummary> RunAsync(string label, int seed, CancellationToken stop)
    {
        var prompts = PromptGenerator.Build(_options.Warmup + _options.Requests, _options.PromptTokens, seed);
        if (_options.Warmup > 0)
        {
            var warmupResults = new RequestResult?[_options.Warmup];
            await using (var progress = new BenchProgress(_progressWriter, label + " warm-up", _options.Warmup, _sender.Now))
            {
                var warmupConcurrency = Math.Min(_options.Concurrency ?? 1, _options.Warmup);
                await RunClosedLoopAsync(prompts.AsMemory(0, _options.Warmup), warmupConcurrency, warmupResults, progress, stop);
            }
        }

        var measured = prompts.AsMemory(_options.Warmup);
        var results = new RequestResult?[measured.Length];
        var start = _sender.Now();
        await using (var progress = new BenchProgress(_progressWriter, label, measured.Length, _sender.Now))
        {
            if (_options.RequestRate is { } rate)
            {
                await RunPoissonAsync(measured, rate, seed, results, progress, stop);
            }
            else
            {
                await RunClosedLoopAsync(measured, _options.Concurrency ?? 1, results, progress, stop);
            }
        }

        var finished = results.OfType<RequestResult>().ToList();
        var end = finished.Count > 0 ? finished.Max(r => r.EndSeconds) : start;
        return BenchSummary.From(finished, end - start);
    }

    private async Task RunClosedLoopAsync(
        ReadOnlyMemory<string> prompts, int concurrency, RequestResult?[] results, BenchProgress progress, CancellationToken stop)
    {
        var next = -1;
        var workers = new Task[Math.Min(concurrency, prompts.Length)];
        for (var w = 0; w < workers.Length; w++)
        {
            workers[w] = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    var index = Interlocked.Increment(ref next);
                    if (index >= prompts.Length)
                    {
                        return;
                    }

                    var result = await _sender.SendAsync(prompts.Span[index], stop);
                    results[index] = result;
                    progress.Record(result);
                }
            }, CancellationToken.None);
        }

        await Task.WhenAll(workers);
    }

    private async Task RunPoissonAsync(
        ReadOnlyMemory<string> prompts, double rate, int seed, RequestResult?[] results, BenchProgress progress, CancellationToken stop)
    {
        var arrivals = PoissonArrivals.Times(rate, prompts.Length, seed);
        using var limiter = _options.Concurrency is { } cap ? new SemaphoreSlim(cap, cap) : null;
        var inFlight = new List<Task>(prompts.Length);
        var start = _sender.Now();
        try
        {
            for (var i = 0; i < prompts.Length; i++)
            {
                var delay = start + arrivals[i] - _sender.Now();
                if (delay > 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds(delay), _time, stop);
                }

                if (limiter is not null)
                {
                    await limiter.WaitAsync(stop);
                }

                var index = i;
                inFlight.Add(Task.Run(async () =>
                {
                    try
                    {
                        var result = await _sender.SendAsync(prompts.Span[index], stop);
                        results[index] = result;
                        progress.Record(result);
                    }
                    finally
                    {
                        limiter?.Release();
                    }
                }, CancellationToken.None));
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopped between arrivals: the requests already sent are awaited below.
        }

        await Task.WhenAll(inFlight);
    }
}
