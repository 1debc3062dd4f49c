using Gantry.Api.Inference;
using Gantry.Engine;
using Prometheus;

namespace Gantry.Metrics;

/// <summary>
/// Per-request histograms and counters. The <c>model</c> label is the configured model id and the other
/// labels come from enums, so no request field can create a series. Thread-safe.
/// </summary>
public sealed class RequestMetrics
{
    private readonly string _model;
    private readonly Histogram _duration;
    private readonly Histogram.Child _firstToken;
    private readonly Histogram.Child _interToken;
    private readonly Histogram.Child _queueWait;
    private readonly Histogram.Child _tokensPerSecond;
    private readonly Histogram.Child _promptTokens;
    private readonly Histogram.Child _completionTokens;
    private readonly Counter _requests;
    private readonly Counter.Child _promptTokensTotal;
    private readonly Counter.Child _generationTokensTotal;
    private readonly Counter _drainAborted;

    /// <summary>Creates every series for <paramref name="model"/> in <paramref name="registry"/>, at zero.</summary>
    public RequestMetrics(string model, CollectorRegistry registry)
    {
        _model = model;
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        string[] modelLabel = ["model"];
        _duration = factory.CreateHistogram("gantry_request_duration_seconds",
            "End-to-end latency of inference requests the engine accepted, from arrival until the generation ended.",
            new HistogramConfiguration { LabelNames = ["model", "endpoint"], Buckets = MetricBuckets.RequestSeconds });
        _firstToken = CreateHistogram(factory, "gantry_time_to_first_token_seconds",
            "Time from queueing a request until its first output token was sampled.", MetricBuckets.FirstTokenSeconds);
        _interToken = CreateHistogram(factory, "gantry_inter_token_latency_seconds",
            "Gap between consecutive output tokens; each request adds its mean gap once per gap.",
            MetricBuckets.InterTokenSeconds);
        _queueWait = CreateHistogram(factory, "gantry_queue_wait_seconds",
            "Time a request waited for a free sequence slot.", MetricBuckets.QueueSeconds);
        _tokensPerSecond = CreateHistogram(factory, "gantry_request_output_tokens_per_second",
            "Output tokens per second of one request, from its first to its last token.", MetricBuckets.TokensPerSecond);
        _promptTokens = CreateHistogram(factory, "gantry_request_prompt_tokens",
            "Prompt tokens per request.", MetricBuckets.TokenCounts);
        _completionTokens = CreateHistogram(factory, "gantry_request_completion_tokens",
            "Completion tokens per request.", MetricBuckets.TokenCounts);
        _requests = factory.CreateCounter("gantry_requests_total",
            "Inference requests by how they ended: stop, length, cancelled, error, rejected or aborted.",
            "model", "endpoint", "outcome");
        _promptTokensTotal = factory.CreateCounter("gantry_prompt_tokens_total",
            "Prompt tokens of requests the engine accepted.", modelLabel).WithLabels(model);
        _generationTokensTotal = factory.CreateCounter("gantry_generation_tokens_total",
            "Tokens generated.", modelLabel).WithLabels(model);
        _drainAborted = factory.CreateCounter("gantry_drain_aborted_requests_total",
            "Requests still running at the drain deadline, stopped with an error.");

        foreach (var endpoint in Enum.GetValues<EndpointKind>())
        {
            _duration.WithLabels(model, ToLabel(endpoint));
            foreach (var outcome in RequestOutcomes.All)
            {
                _requests.WithLabels(model, ToLabel(endpoint), outcome.ToLabel());
            }
        }

        return;

        Histogram.Child CreateHistogram(MetricFactory metricFactory, string name, string help, double[] buckets) =>
            metricFactory.CreateHistogram(name, help,
                new HistogramConfiguration { LabelNames = modelLabel, Buckets = buckets }).WithLabels(model);
    }

    /// <summary>The <c>endpoint</c> label of <paramref name="endpoint"/>.</summary>
    public static string ToLabel(EndpointKind endpoint) => endpoint switch
    {
        EndpointKind.Chat => "chat",
        EndpointKind.Completions => "completions",
        _ => throw new ArgumentOutOfRangeException(nameof(endpoint), endpoint, "Unknown endpoint."),
    };

    /// <summary>Records a request the engine accepted, once its generation has ended.</summary>
    /// <param name="endpoint">The route that served it.</param>
    /// <param name="outcome">How it ended.</param>
    /// <param name="usage">The engine's token counts and timings.</param>
    /// <param name="latencySeconds">From the request's arrival until the generation ended.</param>
    public void RecordGeneration(EndpointKind endpoint, RequestOutcome outcome, GenerationUsage usage,
        double latencySeconds)
    {
        ArgumentNullException.ThrowIfNull(usage);
        _requests.WithLabels(_model, ToLabel(endpoint), outcome.ToLabel()).Inc();
        _duration.WithLabels(_model, ToLabel(endpoint)).Observe(latencySeconds);
        _queueWait.Observe(usage.QueueSeconds);
        _promptTokens.Observe(usage.PromptTokens);
        _completionTokens.Observe(usage.CompletionTokens);
        _promptTokensTotal.Inc(usage.PromptTokens);
        _generationTokensTotal.Inc(usage.CompletionTokens);
        if (usage.FirstTokenSeconds is { } firstToken)
        {
            _firstToken.Observe(firstToken);
        }

        var gaps = usage.CompletionTokens - 1;
        if (gaps >= 1 && usage.DecodeSeconds > 0)
        {
            // The engine reports the decode span, not each gap, so every gap counts at the request's mean.
            _interToken.Observe(usage.DecodeSeconds / gaps, gaps);
            _tokensPerSecond.Observe(gaps / usage.DecodeSeconds);
        }

        if (outcome == RequestOutcome.Aborted)
        {
            _drainAborted.Inc();
        }
    }

    /// <summary>
    /// Records a request that ended before reaching the engine: <see cref="RequestOutcome.Rejected"/> for an
    /// error response, <see cref="RequestOutcome.Cancelled"/> when the client left, <see cref="RequestOutcome.Error"/>
    /// for an exception.
    /// </summary>
    public void RecordNotGenerated(EndpointKind endpoint, RequestOutcome outcome) =>
        _requests.WithLabels(_model, ToLabel(endpoint), outcome.ToLabel()).Inc();
}
