using System.Net;
using Gantry.IntegrationTests.Infrastructure;

namespace Gantry.IntegrationTests.Engine;

/// <summary>A server with one sequence and room for one waiting request.</summary>
public sealed class SingleSlotFixture<TModel> : ServerFixture<TModel>
    where TModel : ITestModel
{
    /// <inheritdoc />
    protected override IEnumerable<string> Arguments =>
        ["--parallel", "1", "--max-queue", "1", "--context-size", "16384"];
}

/// <summary>Admission control: a full queue returns 503 at once; a vanished client frees its sequence.</summary>
public abstract class QueueTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : ServerFixture
{
    private object LongRequest => new
    {
        model = fixture.ModelName,
        prompt = "Keep going",
        max_tokens = 16000,
        ignore_eos = true,
        stream = true,
    };

    [SkippableFact]
    public async Task QueueFull_Returns503WithRetryAfter()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        using var client = fixture.Server.CreateClient();
        using var waiting = new CancellationTokenSource();
        using var first = await ServerSentEvents.PostStreamAsync(client, "/v1/completions", LongRequest);
        await using var firstEvents = await ReadFirstEventAsync(first);
        var second = ServerSentEvents.PostStreamAsync(client, "/v1/completions", LongRequest, waiting.Token);
        await PrometheusText.WaitForAsync(client,
            text => PrometheusText.GetValue(text, "gantry_requests_waiting") == 1, TimeSpan.FromSeconds(30),
            "the second request to wait");

        using var third = await client.PostAsync("/v1/completions", Json.Content(new
        {
            model = fixture.ModelName,
            prompt = "one more",
            max_tokens = 4,
        }));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, third.StatusCode);
        Assert.Equal("1", third.Headers.GetValues("Retry-After").Single());
        var error = (await Json.ReadAsync(third)).GetProperty("error");
        Assert.Equal("queue_full", error.GetProperty("code").GetString());
        Assert.Equal("server_error", error.GetProperty("type").GetString());
        await waiting.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second);
        await PrometheusText.WaitForAsync(client,
            text => PrometheusText.GetValue(text, "gantry_requests_waiting") == 0, TimeSpan.FromSeconds(30),
            "the cancelled waiting request to leave the queue");
        await firstEvents.DisposeAsync();
        first.Dispose();
        await WaitForIdleAsync(client);
    }

    [SkippableFact]
    public async Task ClientDisconnect_FreesSequenceAndKvCache()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        using var client = fixture.Server.CreateClient();
        using (var cancel = new CancellationTokenSource())
        {
            using var stream = await ServerSentEvents.PostStreamAsync(client, "/v1/completions", LongRequest, cancel.Token);
            await using var events = await ReadFirstEventAsync(stream);
            var busy = await PrometheusText.ScrapeAsync(client);
            Assert.Equal(1, PrometheusText.GetValue(busy, "gantry_requests_running"));
            Assert.True(PrometheusText.GetValue(busy, "gantry_kv_cache_usage_ratio") > 0);
            await cancel.CancelAsync();
        }

        await WaitForIdleAsync(client);

        using var next = await client.PostAsync("/v1/completions", Json.Content(new
        {
            model = fixture.ModelName,
            prompt = "after the disconnect",
            max_tokens = 5,
            ignore_eos = true,
        }));
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        var usage = (await Json.ReadAsync(next)).GetProperty("usage");
        Assert.Equal(5, usage.GetProperty("completion_tokens").GetInt32());
    }

    private static async Task WaitForIdleAsync(HttpClient client)
    {
        var idle = await PrometheusText.WaitForAsync(client,
            text => PrometheusText.GetValue(text, "gantry_requests_running") == 0
                && PrometheusText.GetValue(text, "gantry_requests_waiting") == 0,
            TimeSpan.FromSeconds(30), "the engine to become idle");
        Assert.Equal(0, PrometheusText.GetValue(idle, "gantry_kv_cache_usage_ratio"));
    }

    /// <summary>Reads the first event and returns the reader, which keeps the stream open until disposed.</summary>
    private static async Task<IAsyncEnumerator<string>> ReadFirstEventAsync(HttpResponseMessage response)
    {
        response.EnsureSuccessStatusCode();
        var enumerator = ServerSentEvents.ReadDataAsync(response).GetAsyncEnumerator();
        Assert.True(await enumerator.MoveNextAsync());
        return enumerator;
    }
}

/// <summary>The tests above on the generated model.</summary>
public sealed class GeneratedModelQueueTests(SingleSlotFixture<GeneratedModel> fixture)
    : QueueTests<SingleSlotFixture<GeneratedModel>>(fixture);

/// <summary>The tests above on the external llama-2 model.</summary>
public sealed class SharedModelQueueTests(SingleSlotFixture<SharedModel> fixture)
    : QueueTests<SingleSlotFixture<SharedModel>>(fixture);
