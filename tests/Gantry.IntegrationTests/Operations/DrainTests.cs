using System.Net;
using System.Text.Json;
using Gantry.IntegrationTests.Infrastructure;

namespace Gantry.IntegrationTests.Operations;

/// <summary>SIGTERM drains the server: readiness drops, new requests get 503, streams in flight end cleanly.</summary>
public sealed class DrainTests
{
    private static string ModelPath => GeneratedModel.GetPath(out _)!;

    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(120);

    private static object CreateLongStream(int maxTokens) => new
    {
        model = "tiny",
        prompt = "Keep going",
        max_tokens = maxTokens,
        ignore_eos = true,
        stream = true,
    };

    [SkippableFact]
    public async Task Sigterm_StreamInFlight_CompletesAndExitsZero()
    {
        await using var server = await StartAsync("--drain-timeout", "300");
        using var client = server.CreateClient();

        // Long enough to outlast the readiness poll and the rejected request by far, short enough to finish in the drain.
        using var stream = await ServerSentEvents.PostStreamAsync(client, "/v1/completions", CreateLongStream(1500));
        await using var events = ServerSentEvents.ReadDataAsync(stream).GetAsyncEnumerator();
        Assert.True(await events.MoveNextAsync());

        server.Terminate();
        var notReady = await Probe.WaitForStatusAsync(client, "/health/ready", HttpStatusCode.ServiceUnavailable);
        using var rejected = await client.PostAsync("/v1/completions",
            Json.Content(new { model = "tiny", prompt = "hi", max_tokens = 2 }));
        var rest = new List<string>();
        while (await events.MoveNextAsync())
        {
            rest.Add(events.Current);
        }

        Assert.Equal(("Unhealthy", "the server is draining before shutdown"), Probe.GetCheck(notReady, "drain"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, rejected.StatusCode);
        Assert.Equal("1", rejected.Headers.GetValues("Retry-After").Single());
        var error = (await Json.ReadAsync(rejected)).GetProperty("error");
        Assert.Equal("draining", error.GetProperty("code").GetString());
        Assert.Equal("server_error", error.GetProperty("type").GetString());
        Assert.Equal("[DONE]", rest[^1]);
        var finish = JsonDocument.Parse(rest[^2]).RootElement.GetProperty("choices")[0];
        Assert.Equal("length", finish.GetProperty("finish_reason").GetString());
        Assert.DoesNotContain(rest, data => data.Contains("\"error\"", StringComparison.Ordinal));
        Assert.Equal(0, await server.WaitForExitAsync(ExitTimeout));
        Assert.Contains(server.Output, line => line.Contains("\"eventName\":\"DrainFinished\"", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task Sigterm_DeadlinePassed_StreamEndsWithErrorEvent()
    {
        await using var server = await StartAsync("--drain-timeout", "0", "--parallel", "2");
        using var client = server.CreateClient();
        using var stream = await ServerSentEvents.PostStreamAsync(client, "/v1/completions", CreateLongStream(4000));
        await using var events = ServerSentEvents.ReadDataAsync(stream).GetAsyncEnumerator();
        Assert.True(await events.MoveNextAsync());
        var nonStreaming = client.PostAsync("/v1/completions", Json.Content(new
        {
            model = "tiny",
            prompt = "Keep going",
            max_tokens = 4000,
            ignore_eos = true,
        }));
        await PrometheusText.WaitForAsync(client,
            text => PrometheusText.GetValue(text, "gantry_requests_running") == 2, TimeSpan.FromSeconds(30),
            "both long requests to run");

        server.Terminate();
        var rest = new List<string>();
        while (await events.MoveNextAsync())
        {
            rest.Add(events.Current);
        }

        using var aborted = await nonStreaming;

        Assert.Equal("[DONE]", rest[^1]);
        var error = JsonDocument.Parse(rest[^2]).RootElement.GetProperty("error");
        Assert.Equal("draining", error.GetProperty("code").GetString());
        Assert.Equal("server_error", error.GetProperty("type").GetString());
        Assert.DoesNotContain(rest, data => data.Contains("\"finish_reason\":\"length\"", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, aborted.StatusCode);
        Assert.Equal("draining", (await Json.ReadAsync(aborted)).GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(0, await server.WaitForExitAsync(ExitTimeout));
        Assert.Contains(server.Output, line =>
            line.Contains("\"eventName\":\"DrainAborted\"", StringComparison.Ordinal) && line.Contains("\"Aborted\":2", StringComparison.Ordinal));
        Assert.Equal(2, server.Output.Count(line =>
            line.Contains("\"eventName\":\"InferenceRequestFinished\"", StringComparison.Ordinal)
            && line.Contains("\"Outcome\":\"aborted\"", StringComparison.Ordinal)));
    }

    [SkippableFact]
    public async Task Sigterm_Idle_ExitsZeroAtOnce()
    {
        await using var server = await StartAsync();

        server.Terminate();

        Assert.Equal(0, await server.WaitForExitAsync(ExitTimeout));
        Assert.Contains(server.Output, line => line.Contains("\"eventName\":\"DrainFinished\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sigterm_WhileLoading_ExitsZero()
    {
        var gate = Path.Combine(Path.GetTempPath(), $"gantry-gate-{Guid.NewGuid():N}");
        await using var server = await GantryServer.StartAsync(["--model", ModelPath],
            new Dictionary<string, string> { ["Gantry__Testing__LoadGateFile"] = gate });
        using var client = server.CreateClient();
        var (loading, _) = await Probe.GetJsonAsync(client, "/health/startup");

        server.Terminate();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, loading);
        Assert.Equal(0, await server.WaitForExitAsync(ExitTimeout));
        Assert.DoesNotContain(server.Output, line => line.Contains("\"eventName\":\"ModelLoadFailed\"", StringComparison.Ordinal));
    }

    private static async Task<GantryServer> StartAsync(params string[] arguments)
    {
        var server = await GantryServer.StartAsync(
            ["--model", ModelPath, "--model-name", "tiny", "--context-size", "4096", .. arguments]);
        await server.WaitUntilReadyAsync("tiny");
        return server;
    }
}
