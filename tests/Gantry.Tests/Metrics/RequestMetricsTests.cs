using Gantry.Api.Inference;
using Gantry.Engine;
using Gantry.Metrics;
using Gantry.Tests.Infrastructure;
using Prometheus;

namespace Gantry.Tests.Metrics;

public sealed class RequestMetricsTests
{
    public static TheoryData<RequestOutcome, string> OutcomeLabels => new()
    {
        { RequestOutcome.Stop, "stop" },
        { RequestOutcome.Length, "length" },
        { RequestOutcome.Cancelled, "cancelled" },
        { RequestOutcome.Error, "error" },
        { RequestOutcome.Rejected, "rejected" },
        { RequestOutcome.Aborted, "aborted" },
    };

    public static TheoryData<FinishReason, RequestOutcome> FinishReasons => new()
    {
        { FinishReason.Stop, RequestOutcome.Stop },
        { FinishReason.Length, RequestOutcome.Length },
        { FinishReason.Cancelled, RequestOutcome.Cancelled },
        { FinishReason.Error, RequestOutcome.Error },
    };

    [Theory]
    [MemberData(nameof(OutcomeLabels))]
    public void ToLabel_EachOutcome_MatchesContract(RequestOutcome outcome, string label)
    {
        Assert.Equal(label, outcome.ToLabel());
    }

    [Fact]
    public void OutcomeLabels_CoverEveryValue()
    {
        Assert.Equal(Enum.GetValues<RequestOutcome>().Length, OutcomeLabels.Count());
    }

    [Theory]
    [MemberData(nameof(FinishReasons))]
    public void FromFinishReason_EachReason_MapsToOutcome(FinishReason reason, RequestOutcome outcome)
    {
        Assert.Equal(outcome, RequestOutcomes.FromFinishReason(reason));
    }

    [Theory]
    [InlineData(EndpointKind.Chat, "chat")]
    [InlineData(EndpointKind.Completions, "completions")]
    public void ToLabel_EachEndpoint_MatchesContract(EndpointKind endpoint, string label)
    {
        Assert.Equal(label, RequestMetrics.ToLabel(endpoint));
    }

    [Fact]
    public async Task Metrics_BeforeAnyRequest_EveryCounterSeriesAtZero()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();

        _ = new RequestMetrics("tiny", registry);
        var text = await MetricsText.ExportAsync(registry);

        var counters = MetricsText.Samples(text, "gantry_requests_total{");
        Assert.Equal(12, counters.Count);
        Assert.All(counters, line => Assert.EndsWith(" 0", line));
        Assert.Contains("gantry_requests_total{model=\"tiny\",endpoint=\"chat\",outcome=\"aborted\"} 0", text);
        Assert.Contains("gantry_request_duration_seconds_count{model=\"tiny\",endpoint=\"completions\"} 0", text);
    }

    [Fact]
    public async Task RecordGeneration_CountsTokensAndTimings()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var metrics = new RequestMetrics("tiny", registry);
        var usage = new GenerationUsage(PromptTokens: 12, CompletionTokens: 5, QueueSeconds: 0.2,
            FirstTokenSeconds: 0.3, DecodeSeconds: 0.4);

        metrics.RecordGeneration(EndpointKind.Chat, RequestOutcome.Length, usage, latencySeconds: 1.5);
        var text = await MetricsText.ExportAsync(registry);

        Assert.Contains("gantry_requests_total{model=\"tiny\",endpoint=\"chat\",outcome=\"length\"} 1", text);
        Assert.Contains("gantry_request_duration_seconds_sum{model=\"tiny\",endpoint=\"chat\"} 1.5", text);
        Assert.Contains("gantry_request_duration_seconds_bucket{model=\"tiny\",endpoint=\"chat\",le=\"2.5\"} 1", text);
        Assert.Contains("gantry_request_duration_seconds_bucket{model=\"tiny\",endpoint=\"chat\",le=\"1\"} 0", text);
        Assert.Contains("gantry_prompt_tokens_total{model=\"tiny\"} 12", text);
        Assert.Contains("gantry_generation_tokens_total{model=\"tiny\"} 5", text);
        Assert.Contains("gantry_time_to_first_token_seconds_sum{model=\"tiny\"} 0.3", text);
        Assert.Contains("gantry_queue_wait_seconds_sum{model=\"tiny\"} 0.2", text);
        Assert.Contains("gantry_inter_token_latency_seconds_count{model=\"tiny\"} 4", text);
        Assert.Contains("gantry_inter_token_latency_seconds_sum{model=\"tiny\"} 0.4", text);
        Assert.Contains("gantry_request_output_tokens_per_second_sum{model=\"tiny\"} 10", text);
        Assert.Contains("gantry_request_completion_tokens_sum{model=\"tiny\"} 5", text);
        Assert.Contains("gantry_drain_aborted_requests_total 0", text);
    }

    [Fact]
    public async Task RecordGeneration_OneToken_NoInterTokenObservation()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var metrics = new RequestMetrics("tiny", registry);

        metrics.RecordGeneration(EndpointKind.Completions, RequestOutcome.Stop,
            new GenerationUsage(3, 1, 0, 0.1, 0), latencySeconds: 0.2);
        var text = await MetricsText.ExportAsync(registry);

        Assert.Contains("gantry_inter_token_latency_seconds_count{model=\"tiny\"} 0", text);
        Assert.Contains("gantry_request_output_tokens_per_second_count{model=\"tiny\"} 0", text);
        Assert.Contains("gantry_time_to_first_token_seconds_count{model=\"tiny\"} 1", text);
    }

    [Fact]
    public async Task RecordGeneration_NoFirstToken_NoTimeToFirstToken()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var metrics = new RequestMetrics("tiny", registry);

        metrics.RecordGeneration(EndpointKind.Chat, RequestOutcome.Cancelled,
            new GenerationUsage(3, 0, 1.0, null, 0), latencySeconds: 1.1);
        var text = await MetricsText.ExportAsync(registry);

        Assert.Contains("gantry_time_to_first_token_seconds_count{model=\"tiny\"} 0", text);
        Assert.Contains("gantry_requests_total{model=\"tiny\",endpoint=\"chat\",outcome=\"cancelled\"} 1", text);
    }

    [Fact]
    public async Task RecordGeneration_Aborted_CountsDrainAbort()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var metrics = new RequestMetrics("tiny", registry);

        metrics.RecordGeneration(EndpointKind.Chat, RequestOutcome.Aborted,
            new GenerationUsage(3, 9, 0, 0.1, 0.5), latencySeconds: 31);
        var text = await MetricsText.ExportAsync(registry);

        Assert.Contains("gantry_drain_aborted_requests_total 1", text);
        Assert.Contains("gantry_requests_total{model=\"tiny\",endpoint=\"chat\",outcome=\"aborted\"} 1", text);
    }

    [Fact]
    public async Task RecordNotGenerated_CountsOnlyTheCounter()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var metrics = new RequestMetrics("tiny", registry);

        metrics.RecordNotGenerated(EndpointKind.Completions, RequestOutcome.Rejected);
        var text = await MetricsText.ExportAsync(registry);

        Assert.Contains("gantry_requests_total{model=\"tiny\",endpoint=\"completions\",outcome=\"rejected\"} 1", text);
        Assert.Contains("gantry_request_duration_seconds_count{model=\"tiny\",endpoint=\"completions\"} 0", text);
    }

    [Fact]
    public async Task Metrics_AllSeries_CarryOnlyConfiguredModel()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var metrics = new RequestMetrics("tiny", registry);
        metrics.RecordGeneration(EndpointKind.Chat, RequestOutcome.Stop, new GenerationUsage(1, 2, 0, 0.1, 0.1), 0.3);
        metrics.RecordNotGenerated(EndpointKind.Chat, RequestOutcome.Rejected);

        var text = await MetricsText.ExportAsync(registry);

        var modelLabels = text.Split('\n').Where(line => line.Contains("model=\"", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(modelLabels);
        Assert.All(modelLabels, line => Assert.Contains("model=\"tiny\"", line));
    }

    [Fact]
    public void Buckets_AreStrictlyIncreasing()
    {
        double[][] all =
        [
            MetricBuckets.RequestSeconds, MetricBuckets.FirstTokenSeconds, MetricBuckets.InterTokenSeconds,
            MetricBuckets.QueueSeconds, MetricBuckets.TokensPerSecond, MetricBuckets.TokenCounts,
        ];

        Assert.All(all, buckets => Assert.True(buckets.Zip(buckets.Skip(1)).All(pair => pair.First < pair.Second)));
        Assert.Equal(600, MetricBuckets.RequestSeconds[^1]);
        Assert.Equal(262_144, MetricBuckets.TokenCounts[^1]);
    }
}
