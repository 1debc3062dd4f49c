using System.Net;
using Gantry.IntegrationTests.Infrastructure;

namespace Gantry.IntegrationTests.Operations;

/// <summary>The /metrics surface: contract names present once each, labels never taken from requests.</summary>
public sealed class MetricsTests(ServerFixture<GeneratedModel> fixture) : IClassFixture<ServerFixture<GeneratedModel>>
{
    public static TheoryData<string> ContractSeries => new()
    {
        "gantry_request_duration_seconds_bucket",
        "gantry_time_to_first_token_seconds_bucket",
        "gantry_inter_token_latency_seconds_bucket",
        "gantry_queue_wait_seconds_bucket",
        "gantry_request_output_tokens_per_second_bucket",
        "gantry_request_prompt_tokens_bucket",
        "gantry_request_completion_tokens_bucket",
        "gantry_requests_total",
        "gantry_prompt_tokens_total",
        "gantry_generation_tokens_total",
        "gantry_drain_aborted_requests_total",
        "gantry_requests_running",
        "gantry_requests_waiting",
        "gantry_kv_cache_usage_ratio",
        "gantry_model_loaded",
        "gantry_model_ready",
        "gantry_model_load_duration_seconds",
        "gantry_build_info",
        "process_cpu_seconds_total",
        "process_start_time_seconds",
        "dotnet_total_memory_bytes",
        "dotnet_collection_count_total",
    };

    [SkippableTheory]
    [MemberData(nameof(ContractSeries))]
    public async Task Scrape_ContractSeries_Present(string name)
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        using var client = fixture.Server.CreateClient();

        var text = await PrometheusText.ScrapeAsync(client);

        Assert.NotNull(PrometheusText.GetValue(text, name));
    }

    [SkippableFact]
    public async Task Scrape_EveryMetric_DeclaredOnce()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        using var client = fixture.Server.CreateClient();

        var text = await PrometheusText.ScrapeAsync(client);

        var types = text.Split('\n').Where(line => line.StartsWith("# TYPE ", StringComparison.Ordinal))
            .Select(line => line.Split(' ')[2]).ToArray();
        Assert.Equal(types.Distinct().Count(), types.Length);
        // The runtime figures come from prometheus-net's own collector only, not again from the Meter and
        // event counter adapters.
        Assert.DoesNotContain(types, name => name.StartsWith("microsoft_", StringComparison.Ordinal));
        Assert.DoesNotContain(types, name => name.StartsWith("system_runtime", StringComparison.Ordinal));
        Assert.DoesNotContain(types, name => name.StartsWith("prometheus_net_", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task Scrape_GantryFamilies_ListedInDeployMetrics()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        using var client = fixture.Server.CreateClient();
        var listed = File.ReadLines(Path.Combine(RepositoryPaths.Root, "deploy", "metrics.txt"))
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line.Split(' '))
            .ToDictionary(fields => fields[0], fields => fields[1]);

        var text = await PrometheusText.ScrapeAsync(client);

        // deploy/metrics.txt is what the alert rules and dashboards are checked against, so a family the server
        // exposes under another name or type would leave them reading nothing.
        var exposed = text.Split('\n').Where(line => line.StartsWith("# TYPE gantry_", StringComparison.Ordinal))
            .Select(line => line.Split(' ')).ToArray();
        Assert.NotEmpty(exposed);
        Assert.All(exposed, fields => Assert.Equal(listed.GetValueOrDefault(fields[2]), fields[3]));
    }

    [SkippableFact]
    public async Task Scrape_ModelReady_GaugesAtOne()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        using var client = fixture.Server.CreateClient();

        var text = await PrometheusText.ScrapeAsync(client);

        Assert.Equal(1, PrometheusText.GetValue(text, "gantry_model_loaded", ("model", fixture.ModelName)));
        Assert.Equal(1, PrometheusText.GetValue(text, "gantry_model_ready", ("model", fixture.ModelName)));
        Assert.True(PrometheusText.GetValue(text, "gantry_model_load_duration_seconds") > 0);
        Assert.Equal(1, PrometheusText.GetValue(text, "gantry_build_info"));
    }

    [SkippableFact]
    public async Task Scrape_NoNvml_NoGpuSeries()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        Skip.If(fixture.Server.Output.Any(line => line.Contains("GpuMetricsAvailable", StringComparison.Ordinal)),
            "This machine has NVML, so the GPU series exist.");
        using var client = fixture.Server.CreateClient();

        var text = await PrometheusText.ScrapeAsync(client);

        Assert.DoesNotContain("gantry_gpu_", text);
        Assert.Single(fixture.Server.Output, line => line.Contains("\"eventName\":\"GpuMetricsUnavailable\"", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task UnknownModel_CountedAsRejected_NoSeriesForName()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        using var client = fixture.Server.CreateClient();
        const string Unknown = "label-injection-model";
        var before = await PrometheusText.ScrapeAsync(client);

        using var chat = await client.PostAsync("/v1/chat/completions", Json.Content(new
        {
            model = Unknown,
            messages = new[] { new { role = "user", content = "hi" } },
        }));
        using var completion = await client.PostAsync("/v1/completions",
            Json.Content(new { model = Unknown, prompt = "hi", max_tokens = 2 }));
        using var invalid = await client.PostAsync("/v1/completions", Json.Raw("""{"model": "label-injection-model", "prompt": 5}"""));
        var after = await PrometheusText.ScrapeAsync(client);

        Assert.Equal(HttpStatusCode.NotFound, chat.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, completion.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.DoesNotContain(Unknown, after);
        Assert.Equal(1, Rejected(after, "chat") - Rejected(before, "chat"));
        Assert.Equal(2, Rejected(after, "completions") - Rejected(before, "completions"));
    }

    [SkippableFact]
    public async Task Completion_CountsTokensByOutcome()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        using var client = fixture.Server.CreateClient();
        var before = await PrometheusText.ScrapeAsync(client);

        using var response = await client.PostAsync("/v1/completions", Json.Content(new
        {
            model = fixture.ModelName,
            prompt = "Count",
            max_tokens = 5,
            ignore_eos = true,
        }));
        var after = await PrometheusText.ScrapeAsync(client);

        response.EnsureSuccessStatusCode();
        Assert.Equal(1, Value(after, "gantry_requests_total", "completions", "length")
            - Value(before, "gantry_requests_total", "completions", "length"));
        Assert.Equal(5, PrometheusText.GetValue(after, "gantry_generation_tokens_total")
            - PrometheusText.GetValue(before, "gantry_generation_tokens_total"));
        Assert.Equal(1, PrometheusText.GetValue(after, "gantry_request_duration_seconds_count", ("endpoint", "completions"))
            - PrometheusText.GetValue(before, "gantry_request_duration_seconds_count", ("endpoint", "completions")));
        Assert.Equal(4, PrometheusText.GetValue(after, "gantry_inter_token_latency_seconds_count")
            - PrometheusText.GetValue(before, "gantry_inter_token_latency_seconds_count"));
    }

    private double Rejected(string text, string endpoint) => Value(text, "gantry_requests_total", endpoint, "rejected");

    private double Value(string text, string name, string endpoint, string outcome) =>
        PrometheusText.GetValue(text, name, ("model", fixture.ModelName), ("endpoint", endpoint), ("outcome", outcome))
        ?? throw new InvalidOperationException($"{name}{{endpoint={endpoint},outcome={outcome}}} is missing.");
}
