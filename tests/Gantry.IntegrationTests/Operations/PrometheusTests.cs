using System.Diagnostics;
using Gantry.IntegrationTests.Infrastructure;

namespace Gantry.IntegrationTests.Operations;

/// <summary>A real Prometheus scrapes the server; PromQL over the histograms returns usable numbers.</summary>
public sealed class PrometheusTests(ServerFixture<GeneratedModel> fixture) : IClassFixture<ServerFixture<GeneratedModel>>
{
    private const string P99Query =
        "histogram_quantile(0.99, sum by (le) (rate(gantry_request_duration_seconds_bucket[1m])))";

    [SkippableFact]
    public async Task Prometheus_P99Latency_FinitePositive()
    {
        var executable = PrometheusProcess.FindTool("prometheus");
        Skip.If(executable is null, "prometheus is not installed (apt-get install -y prometheus).");
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        using var client = fixture.Server.CreateClient();
        await using var prometheus = await PrometheusProcess.StartAsync(executable,
            $"{fixture.Server.BaseAddress.Host}:{fixture.Server.BaseAddress.Port}");

        var deadline = Stopwatch.StartNew();
        double? p99 = null;
        while (deadline.Elapsed < TimeSpan.FromSeconds(120))
        {
            // Requests keep arriving between scrapes, so rate() over two samples is above zero.
            await SendCompletionsAsync(client, 3);
            p99 = await prometheus.QueryAsync(P99Query);
            if (p99 is { } value && double.IsFinite(value) && value > 0)
            {
                break;
            }

            await Task.Delay(250);
        }

        Assert.True(p99.HasValue, $"The p99 query returned no sample after {deadline.Elapsed}.\n{prometheus.Output}");
        Assert.True(double.IsFinite(p99.Value), $"p99 latency is {p99.Value}, not finite.");
        Assert.True(p99.Value > 0, $"p99 latency is {p99.Value}, not positive.");
        Assert.Equal(1, await prometheus.QueryAsync("up{job=\"gantry\"}"));
        Assert.True(await prometheus.QueryAsync("sum(gantry_requests_total{outcome=\"length\"})") > 0);
    }

    [SkippableFact]
    public async Task Promtool_CheckMetrics_NoProblems()
    {
        var promtool = PrometheusProcess.FindTool("promtool");
        Skip.If(promtool is null, "promtool is not installed (apt-get install -y prometheus).");
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        using var client = fixture.Server.CreateClient();
        await SendCompletionsAsync(client, 2);
        var text = await PrometheusText.ScrapeAsync(client);

        var start = new ProcessStartInfo(promtool)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("check");
        start.ArgumentList.Add("metrics");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(text);
        process.StandardInput.Close();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        var report = (await output + await errors).Trim();
        Assert.True(process.ExitCode == 0, $"promtool exited with {process.ExitCode}: {report}");
        Assert.Equal("", report);
    }

    private async Task SendCompletionsAsync(HttpClient client, int count)
    {
        for (var i = 0; i < count; i++)
        {
            using var response = await client.PostAsync("/v1/completions", Json.Content(new
            {
                model = fixture.ModelName,
                prompt = "Count",
                max_tokens = 4,
            }));
            response.EnsureSuccessStatusCode();
        }
    }
}
