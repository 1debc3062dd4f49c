using System.Diagnostics;
using System.Text.Json;
using Gantry.IntegrationTests.Infrastructure;

namespace Gantry.IntegrationTests.Engine;

/// <summary>A server with four parallel sequences and a context large enough for long generations.</summary>
public sealed class ParallelFixture<TModel> : ServerFixture<TModel>
    where TModel : ITestModel
{
    /// <inheritdoc />
    protected override IEnumerable<string> Arguments => ["--parallel", "4", "--context-size", "2048"];
}

/// <summary>Concurrent requests are decoded in shared llama.cpp steps, not one after another.</summary>
public abstract class BatchingTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : ServerFixture
{
    [SkippableFact]
    public async Task ConcurrentStreams_ShareDecodeSteps()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        using var client = fixture.Server.CreateClient();
        var before = await PrometheusText.ScrapeAsync(client);
        const int streams = 4;
        const int tokens = 300;

        var results = await Task.WhenAll(Enumerable.Range(0, streams).Select(i => StreamAsync(client, i, tokens)));

        var after = await PrometheusText.ScrapeAsync(client);
        var steps = Delta(before, after, "gantry_decode_steps_total");
        var sequences = Delta(before, after, "gantry_decode_sequences_total");
        Assert.All(results, r => Assert.Equal(tokens, r.CompletionTokens));
        Assert.True(results.Max(r => r.FirstToken) < results.Min(r => r.Finished),
            "The streams did not overlap in time, so they could not share decode steps.");
        Assert.Equal(streams * tokens, sequences);
        Assert.True(sequences > steps, $"{sequences} sequence-steps in {steps} steps: no step decoded two sequences.");
    }

    [SkippableFact]
    public async Task ManyDisconnects_LeaveEngineIdleAndServing()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        using var client = fixture.Server.CreateClient();
        var random = new Random(7);
        var stops = Enumerable.Range(0, 24).Select(_ => random.Next(1, 40)).ToArray();

        await Task.WhenAll(stops.Select((events, i) => DisconnectAfterAsync(client, i, events)));

        var idle = await PrometheusText.WaitForAsync(client,
            text => PrometheusText.GetValue(text, "gantry_requests_running") == 0
                && PrometheusText.GetValue(text, "gantry_requests_waiting") == 0,
            TimeSpan.FromSeconds(60), "every disconnected stream to be freed");
        Assert.Equal(0, PrometheusText.GetValue(idle, "gantry_kv_cache_usage_ratio"));
        using var next = await client.PostAsync("/v1/completions", Json.Content(new
        {
            model = fixture.ModelName,
            prompt = "still serving",
            max_tokens = 5,
            ignore_eos = true,
        }));
        Assert.Equal(System.Net.HttpStatusCode.OK, next.StatusCode);
        Assert.Equal(5, (await Json.ReadAsync(next)).GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    private async Task DisconnectAfterAsync(HttpClient client, int index, int events)
    {
        using var response = await ServerSentEvents.PostStreamAsync(client, "/v1/completions", new
        {
            model = fixture.ModelName,
            prompt = $"Client {index} leaves early",
            max_tokens = 1000,
            ignore_eos = true,
            stream = true,
        });
        response.EnsureSuccessStatusCode();
        var read = 0;
        await foreach (var data in ServerSentEvents.ReadDataAsync(response))
        {
            Assert.DoesNotContain("\"error\"", data);
            if (++read == events)
            {
                break;
            }
        }
    }

    private double Delta(string before, string after, string name)
    {
        var labels = ("model", fixture.ModelName);
        return PrometheusText.GetValue(after, name, labels)!.Value - (PrometheusText.GetValue(before, name, labels) ?? 0);
    }

    private async Task<StreamResult> StreamAsync(HttpClient client, int index, int tokens)
    {
        var clock = Stopwatch.StartNew();
        using var response = await ServerSentEvents.PostStreamAsync(client, "/v1/completions", new
        {
            model = fixture.ModelName,
            prompt = $"Stream number {index} tells a long story",
            max_tokens = tokens,
            ignore_eos = true,
            stream = true,
            stream_options = new { include_usage = true },
        });
        response.EnsureSuccessStatusCode();
        TimeSpan? firstToken = null;
        var completionTokens = 0;
        await foreach (var data in ServerSentEvents.ReadDataAsync(response))
        {
            if (data == "[DONE]")
            {
                break;
            }

            using var chunk = JsonDocument.Parse(data);
            if (!string.IsNullOrEmpty(ServerSentEvents.GetText(chunk.RootElement)))
            {
                firstToken ??= clock.Elapsed;
            }

            if (chunk.RootElement.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                completionTokens = usage.GetProperty("completion_tokens").GetInt32();
            }
        }

        return new StreamResult(firstToken ?? clock.Elapsed, clock.Elapsed, completionTokens);
    }

    private sealed record StreamResult(TimeSpan FirstToken, TimeSpan Finished, int CompletionTokens);
}

/// <summary>The tests above on the generated model.</summary>
public sealed class GeneratedModelBatchingTests(ParallelFixture<GeneratedModel> fixture)
    : BatchingTests<ParallelFixture<GeneratedModel>>(fixture);

/// <summary>The tests above on the external llama-2 model.</summary>
public sealed class SharedModelBatchingTests(ParallelFixture<SharedModel> fixture)
    : BatchingTests<ParallelFixture<SharedModel>>(fixture);
