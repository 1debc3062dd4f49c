using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Gantry.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Gantry.IntegrationTests.Upstream;

/// <summary>
/// Upstream mode against a fake upstream that misbehaves on purpose: each test starts its own fake and its own
/// <c>gantry serve --upstream</c> process, so retry counts and circuit state never leak between tests.
/// </summary>
public sealed class UpstreamFailureTests
{
    private const string ClientModel = "front";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Request_IsRewrittenForUpstream()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.Behavior = StreamWordsAsync;
        await using var gantry = await StartGantryAsync(upstream);
        using var client = gantry.CreateClient();

        using var response = await ServerSentEvents.PostStreamAsync(client, "/v1/chat/completions", ChatBody(stream: true));
        var events = await ReadAllAsync(response);

        var sent = Assert.Single(upstream.Bodies);
        Assert.Equal("fake-model", sent.GetProperty("model").GetString());
        Assert.True(sent.GetProperty("stream").GetBoolean());
        Assert.True(sent.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.Equal(7, sent.GetProperty("max_tokens").GetInt32());
        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e).RootElement).ToList();
        Assert.All(chunks, c => Assert.Equal(ClientModel, c.GetProperty("model").GetString()));
        Assert.All(chunks, c => Assert.False(c.TryGetProperty("usage", out _)));
        Assert.Equal("Hello world", string.Concat(chunks.Select(ServerSentEvents.GetText)));
    }

    [Fact]
    public async Task Stream_WithIncludeUsage_KeepsUsageChunk()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.Behavior = StreamWordsAsync;
        await using var gantry = await StartGantryAsync(upstream);
        using var client = gantry.CreateClient();

        using var response = await ServerSentEvents.PostStreamAsync(client, "/v1/chat/completions",
            ChatBody(stream: true, includeUsage: true));
        var events = await ReadAllAsync(response);

        var usageChunk = JsonDocument.Parse(events[^2]).RootElement;
        Assert.Equal(0, usageChunk.GetProperty("choices").GetArrayLength());
        Assert.Equal(2, usageChunk.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(ClientModel, usageChunk.GetProperty("model").GetString());
    }

    [Fact]
    public async Task InvalidRequest_NeverReachesUpstream()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gantry = await StartGantryAsync(upstream);
        using var client = gantry.CreateClient();

        using var invalid = await client.PostAsync("/v1/chat/completions", Json.Content(new
        {
            model = ClientModel,
            messages = new[] { new { role = "user", content = "hi" } },
            temperature = 3,
        }));
        using var unknownModel = await client.PostAsync("/v1/chat/completions", Json.Content(new
        {
            model = "other",
            messages = new[] { new { role = "user", content = "hi" } },
        }));

        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal("temperature", (await Json.ReadAsync(invalid)).GetProperty("error").GetProperty("param").GetString());
        Assert.Equal(HttpStatusCode.NotFound, unknownModel.StatusCode);
        Assert.Equal(0, upstream.RequestCount);
    }

    [Fact]
    public async Task SlowFirstByte_Returns504AndCancelsUpstream()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.Behavior = (context, _) => Task.Delay(TimeSpan.FromSeconds(60), context.RequestAborted);
        await using var gantry = await StartGantryAsync(upstream, "--upstream-first-byte-timeout", "1");
        using var client = gantry.CreateClient();

        using var response = await client.PostAsync("/v1/chat/completions", Json.Content(ChatBody(stream: false)));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("upstream_timeout", await ErrorCodeAsync(response));
        await upstream.Aborted.WaitAsync(Deadline);
        Assert.Equal(1, upstream.RequestCount);
    }

    [Fact]
    public async Task StreamHeadersWithoutEvent_Returns504()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.Behavior = async (context, _) =>
        {
            await FakeUpstream.StartStreamAsync(context);
            await Task.Delay(TimeSpan.FromSeconds(60), context.RequestAborted);
        };
        await using var gantry = await StartGantryAsync(upstream, "--upstream-first-byte-timeout", "1");
        using var client = gantry.CreateClient();

        using var response = await ServerSentEvents.PostStreamAsync(client, "/v1/chat/completions", ChatBody(stream: true));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("upstream_timeout", await ErrorCodeAsync(response));
    }

    [Fact]
    public async Task StalledStream_EndsWithTimeoutEvent()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.Behavior = async (context, _) =>
        {
            await FakeUpstream.StartStreamAsync(context);
            await FakeUpstream.WriteChunkAsync(context, "Hel");
            await Task.Delay(TimeSpan.FromSeconds(60), context.RequestAborted);
        };
        await using var gantry = await StartGantryAsync(upstream, "--upstream-first-byte-timeout", "1");
        using var client = gantry.CreateClient();

        using var response = await ServerSentEvents.PostStreamAsync(client, "/v1/chat/completions", ChatBody(stream: true));
        var events = await ReadAllAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, events.Count);
        Assert.Equal("upstream_timeout", ErrorCode(events[1]));
        Assert.Equal("[DONE]", events[2]);
    }

    [Fact]
    public async Task MidStreamDrop_EndsWithErrorEvent()
    {
        // The fake resets the connection only after the client has both chunks: a reset discards data that the
        // receiver has not read yet, so dropping earlier could lose the chunks instead of cutting the stream.
        var drop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.Behavior = async (context, _) =>
        {
            await FakeUpstream.StartStreamAsync(context);
            await FakeUpstream.WriteChunkAsync(context, "Hel");
            await FakeUpstream.WriteChunkAsync(context, "lo");
            await drop.Task.WaitAsync(Deadline, context.RequestAborted);
            context.Abort();
        };
        await using var gantry = await StartGantryAsync(upstream);
        using var client = gantry.CreateClient();

        using var response = await ServerSentEvents.PostStreamAsync(client, "/v1/chat/completions", ChatBody(stream: true));
        var events = new List<string>();
        using var timeout = new CancellationTokenSource(Deadline);
        await foreach (var data in ServerSentEvents.ReadDataAsync(response, timeout.Token))
        {
            events.Add(data);
            if (events.Count == 2)
            {
                drop.SetResult();
            }
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(4, events.Count);
        Assert.Equal("Hel", ServerSentEvents.GetText(JsonDocument.Parse(events[0]).RootElement));
        Assert.Equal("lo", ServerSentEvents.GetText(JsonDocument.Parse(events[1]).RootElement));
        Assert.Equal("upstream_bad_gateway", ErrorCode(events[2]));
        Assert.Equal("[DONE]", events[3]);
    }

    [Fact]
    public async Task ConnectionDroppedBeforeOutput_Returns502()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.Behavior = (context, _) =>
        {
            context.Abort();
            return Task.CompletedTask;
        };
        await using var gantry = await StartGantryAsync(upstream);
        using var client = gantry.CreateClient();

        using var response = await client.PostAsync("/v1/chat/completions", Json.Content(ChatBody(stream: false)));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("upstream_bad_gateway", await ErrorCodeAsync(response));
    }

    [Fact]
    public async Task Upstream500_Returns502WithoutRetry()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.Behavior = (context, _) => WriteErrorAsync(context, StatusCodes.Status500InternalServerError, "boom");
        await using var gantry = await StartGantryAsync(upstream);
        using var client = gantry.CreateClient();

        using var response = await client.PostAsync("/v1/chat/completions", Json.Content(ChatBody(stream: false)));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var error = (await Json.ReadAsync(response)).GetProperty("error");
        Assert.Equal("upstream_bad_gateway", error.GetProperty("code").GetString());
        Assert.Contains("500", error.GetProperty("message").GetString());
        Assert.Contains("boom", error.GetProperty("message").GetString());
        Assert.Equal(1, upstream.RequestCount);
    }

    [Fact]
    public async Task Upstream400_IsPassedThrough()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.Behavior = (context, _) => WriteErrorAsync(context, StatusCodes.Status400BadRequest, "too long",
            "context_length_exceeded");
        await using var gantry = await StartGantryAsync(upstream);
        using var client = gantry.CreateClient();

        using var response = await client.PostAsync("/v1/chat/completions", Json.Content(ChatBody(stream: false)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await Json.ReadAsync(response)).GetProperty("error");
        Assert.Equal("context_length_exceeded", error.GetProperty("code").GetString());
        Assert.Equal("too long", error.GetProperty("message").GetString());
        Assert.Equal(1, upstream.RequestCount);
    }

    [Fact]
    public async Task GarbageBody_Returns502()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.Behavior = (context, _) => context.Response.WriteAsync("<html>not json</html>");
        await using var gantry = await StartGantryAsync(upstream);
        using var client = gantry.CreateClient();

        using var response = await client.PostAsync("/v1/chat/completions", Json.Content(ChatBody(stream: false)));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("upstream_bad_gateway", await ErrorCodeAsync(response));
    }

    [Fact]
    public async Task GarbageFirstLine_Returns502()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.Behavior = async (context, _) =>
        {
            await FakeUpstream.StartStreamAsync(context);
            await FakeUpstream.WriteRawAsync(context, "this is not server-sent events\n\n");
        };
        await using var gantry = await StartGantryAsync(upstream);
        using var client = gantry.CreateClient();

        using var response = await ServerSentEvents.PostStreamAsync(client, "/v1/chat/completions", ChatBody(stream: true));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("upstream_bad_gateway", await ErrorCodeAsync(response));
    }

    [Fact]
    public async Task GarbageMidStream_EndsWithErrorEvent()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.Behavior = async (context, _) =>
        {
            await FakeUpstream.StartStreamAsync(context);
            await FakeUpstream.WriteChunkAsync(context, "Hel");
            await FakeUpstream.WriteRawAsync(context, "data: {\"choices\": [\n\n");
            await FakeUpstream.WriteChunkAsync(context, "lo", "stop");
            await FakeUpstream.WriteRawAsync(context, "data: [DONE]\n\n");
        };
        await using var gantry = await StartGantryAsync(upstream);
        using var client = gantry.CreateClient();

        using var response = await ServerSentEvents.PostStreamAsync(client, "/v1/chat/completions", ChatBody(stream: true));
        var events = await ReadAllAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, events.Count);
        Assert.Equal("Hel", ServerSentEvents.GetText(JsonDocument.Parse(events[0]).RootElement));
        Assert.Equal("upstream_bad_gateway", ErrorCode(events[1]));
        Assert.Equal("[DONE]", events[2]);
    }

    [Fact]
    public async Task UpstreamErrorEvent_IsPassedThrough()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.Behavior = async (context, _) =>
        {
            await FakeUpstream.StartStreamAsync(context);
            await FakeUpstream.WriteChunkAsync(context, "Hel");
            await FakeUpstream.WriteRawAsync(context,
                "data: {\"error\":{\"message\":\"engine failed\",\"type\":\"server_error\",\"param\":null,"
                + "\"code\":\"internal_error\"}}\n\ndata: [DONE]\n\n");
        };
        await using var gantry = await StartGantryAsync(upstream);
        using var client = gantry.CreateClient();

        using var response = await ServerSentEvents.PostStreamAsync(client, "/v1/chat/completions", ChatBody(stream: true));
        var events = await ReadAllAsync(response);

        Assert.Equal(3, events.Count);
        Assert.Equal("internal_error", ErrorCode(events[1]));
        Assert.Equal("[DONE]", events[2]);
    }

    [Fact]
    public async Task StreamEndWithoutFinish_EndsWithErrorEvent()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.Behavior = async (context, _) =>
        {
            await FakeUpstream.StartStreamAsync(context);
            await FakeUpstream.WriteChunkAsync(context, "Hel");
        };
        await using var gantry = await StartGantryAsync(upstream);
        using var client = gantry.CreateClient();

        using var response = await ServerSentEvents.PostStreamAsync(client, "/v1/chat/completions", ChatBody(stream: true));
        var events = await ReadAllAsync(response);

        Assert.Equal(3, events.Count);
        Assert.Equal("upstream_bad_gateway", ErrorCode(events[1]));
        Assert.Equal("[DONE]", events[2]);
    }

    [Fact]
    public async Task StreamEndAfterFinish_CompletesWithoutError()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.Behavior = async (context, _) =>
        {
            await FakeUpstream.StartStreamAsync(context);
            await FakeUpstream.WriteChunkAsync(context, "Hel");
            await FakeUpstream.WriteChunkAsync(context, null, "length");
        };
        await using var gantry = await StartGantryAsync(upstream);
        using var client = gantry.CreateClient();

        using var response = await ServerSentEvents.PostStreamAsync(client, "/v1/chat/completions", ChatBody(stream: true));
        var events = await ReadAllAsync(response);

        Assert.Equal(3, events.Count);
        var finish = JsonDocument.Parse(events[1]).RootElement.GetProperty("choices")[0];
        Assert.Equal("length", finish.GetProperty("finish_reason").GetString());
        Assert.Equal("[DONE]", events[2]);
    }

    [Fact]
    public async Task ClientDisconnect_CancelsUpstreamStream()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.Behavior = async (context, _) =>
        {
            await FakeUpstream.StartStreamAsync(context);
            for (var i = 0; i < 600; i++)
            {
                await FakeUpstream.WriteChunkAsync(context, "x");
                await Task.Delay(50, context.RequestAborted);
            }
        };
        await using var gantry = await StartGantryAsync(upstream);
        using var client = gantry.CreateClient();
        using var cancel = new CancellationTokenSource();

        var response = await ServerSentEvents.PostStreamAsync(client, "/v1/chat/completions", ChatBody(stream: true),
            cancel.Token);
        await using (var enumerator = ServerSentEvents.ReadDataAsync(response, cancel.Token).GetAsyncEnumerator())
        {
            Assert.True(await enumerator.MoveNextAsync());
            Assert.Equal("x", ServerSentEvents.GetText(JsonDocument.Parse(enumerator.Current).RootElement));
            cancel.Cancel();
        }

        response.Dispose();

        await upstream.Aborted.WaitAsync(Deadline);
        Assert.False(upstream.Aborted.IsFaulted);
    }

    [Fact]
    public async Task ClientDisconnect_DuringSilentStream_CancelsUpstream()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.Behavior = async (context, _) =>
        {
            await FakeUpstream.StartStreamAsync(context);
            await FakeUpstream.WriteChunkAsync(context, "x");
            await Task.Delay(TimeSpan.FromSeconds(60), context.RequestAborted);
        };
        await using var gantry = await StartGantryAsync(upstream);
        using var client = gantry.CreateClient();
        using var cancel = new CancellationTokenSource();

        var response = await ServerSentEvents.PostStreamAsync(client, "/v1/chat/completions", ChatBody(stream: true),
            cancel.Token);
        await using (var enumerator = ServerSentEvents.ReadDataAsync(response, cancel.Token).GetAsyncEnumerator())
        {
            Assert.True(await enumerator.MoveNextAsync());
            cancel.Cancel();
        }

        response.Dispose();

        await upstream.Aborted.WaitAsync(Deadline);
    }

    [Fact]
    public async Task ClientDisconnect_CancelsNonStreamedRequest()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.Behavior = (context, _) => Task.Delay(TimeSpan.FromSeconds(60), context.RequestAborted);
        await using var gantry = await StartGantryAsync(upstream);
        using var client = gantry.CreateClient();
        using var cancel = new CancellationTokenSource();

        var request = client.PostAsync("/v1/chat/completions", Json.Content(ChatBody(stream: false)), cancel.Token);
        await PollAsync(() => upstream.RequestCount == 1);
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        await upstream.Aborted.WaitAsync(Deadline);
    }

    [Fact]
    public async Task Upstream503ThenSuccess_IsRetried()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.Behavior = (context, number) => number <= 2
            ? WriteErrorAsync(context, number == 1 ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status502BadGateway,
                "warming up")
            : FakeUpstream.WriteCompletionAsync(context, "third time");
        await using var gantry = await StartGantryAsync(upstream);
        using var client = gantry.CreateClient();

        using var response = await client.PostAsync("/v1/chat/completions", Json.Content(ChatBody(stream: false)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await Json.ReadAsync(response);
        Assert.Equal("third time", body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal(ClientModel, body.GetProperty("model").GetString());
        Assert.Equal(3, upstream.RequestCount);
    }

    [Fact]
    public async Task Upstream503Always_Returns503AfterRetries()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.Behavior = (context, _) => WriteErrorAsync(context, StatusCodes.Status503ServiceUnavailable, "busy");
        await using var gantry = await StartGantryAsync(upstream, "--upstream-retries", "1");
        using var client = gantry.CreateClient();

        using var response = await client.PostAsync("/v1/chat/completions", Json.Content(ChatBody(stream: true)));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("upstream_unavailable", await ErrorCodeAsync(response));
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Equal(2, upstream.RequestCount);
    }

    [Fact]
    public async Task ConnectionRefused_Returns503()
    {
        var port = FreePort();
        await using var gantry = await GantryServer.StartAsync(["--upstream", $"http://127.0.0.1:{port}",
            "--upstream-model", "fake-model", "--model-name", ClientModel]);
        using var client = gantry.CreateClient();

        using var response = await client.PostAsync("/v1/chat/completions", Json.Content(ChatBody(stream: false)));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("upstream_unavailable", await ErrorCodeAsync(response));
        Assert.NotNull(response.Headers.RetryAfter);
    }

    [Fact]
    public async Task RepeatedFailures_OpenCircuit()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.Behavior = (context, _) => WriteErrorAsync(context, StatusCodes.Status500InternalServerError, "boom");
        await using var gantry = await StartGantryAsync(upstream, "--upstream-retries", "0",
            "--upstream-circuit-minimum-throughput", "2", "--upstream-circuit-break-duration", "600");
        using var client = gantry.CreateClient();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await client.PostAsync("/v1/chat/completions", Json.Content(ChatBody(stream: false)));
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                Assert.Equal("upstream_circuit_open", await ErrorCodeAsync(response));
                Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.FromSeconds(60));
            }
        }

        Assert.Equal([HttpStatusCode.BadGateway, HttpStatusCode.BadGateway, HttpStatusCode.ServiceUnavailable], statuses);
        Assert.Equal(2, upstream.RequestCount);
    }

    [Fact]
    public async Task OpenCircuit_ClosesWhenUpstreamRecovers()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.Behavior = (context, _) => WriteErrorAsync(context, StatusCodes.Status500InternalServerError, "boom");
        await using var gantry = await StartGantryAsync(upstream, "--upstream-retries", "0",
            "--upstream-circuit-minimum-throughput", "2", "--upstream-circuit-break-duration", "1");
        using var client = gantry.CreateClient();
        for (var i = 0; i < 2; i++)
        {
            using var failed = await client.PostAsync("/v1/chat/completions", Json.Content(ChatBody(stream: false)));
            Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        }

        upstream.Behavior = (context, _) => FakeUpstream.WriteCompletionAsync(context, "back");
        var statuses = new List<HttpStatusCode>();
        await PollAsync(async () =>
        {
            using var response = await client.PostAsync("/v1/chat/completions", Json.Content(ChatBody(stream: false)));
            statuses.Add(response.StatusCode);
            return response.StatusCode == HttpStatusCode.OK;
        });

        Assert.All(statuses[..^1], s => Assert.Equal(HttpStatusCode.ServiceUnavailable, s));
        Assert.Equal(3, upstream.RequestCount);
    }

    [Fact]
    public async Task HealthPoll_TracksUpstreamStatus()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.HealthStatus = StatusCodes.Status503ServiceUnavailable;
        await using var gantry = await StartGantryAsync(upstream, "--upstream-health-interval", "0.2");

        await PollAsync(() => gantry.Output.Any(line => line.Contains("Upstream health is now Unhealthy")));
        upstream.HealthStatus = StatusCodes.Status200OK;
        await PollAsync(() => gantry.Output.Any(line => line.Contains("Upstream health is now Healthy")));

        Assert.Contains(gantry.Output, line => line.Contains("Healthy: GET /health on the upstream returned 200"));
    }

    [Fact]
    public async Task HealthPoll_FallsBackToModelsRoute()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.HealthStatus = StatusCodes.Status404NotFound;
        await using var gantry = await StartGantryAsync(upstream, "--upstream-health-interval", "0.2");

        await PollAsync(() => gantry.Output.Any(line => line.Contains("Upstream health is now Healthy")));

        Assert.Contains(gantry.Output, line => line.Contains("Healthy: GET /v1/models on the upstream returned 200"));
        Assert.Contains(gantry.Output, line => line.Contains("The upstream has no /health route"));
    }

    [Fact]
    public async Task MissingUpstreamModel_StopsStartup()
    {
        var start = GantryServer.StartAsync(["--upstream", "http://127.0.0.1:9"]);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => start);

        Assert.Contains("--upstream-model is required", error.Message);
    }

    private static Task<GantryServer> StartGantryAsync(FakeUpstream upstream, params string[] options) =>
        GantryServer.StartAsync(["--upstream", upstream.BaseAddress.ToString(), "--upstream-model", "fake-model",
            "--model-name", ClientModel, .. options]);

    private static object ChatBody(bool stream, bool includeUsage = false) => includeUsage
        ? new
        {
            model = ClientModel,
            messages = new[] { new { role = "user", content = "hi" } },
            max_tokens = 7,
            stream,
            stream_options = new { include_usage = true },
        }
        : new
        {
            model = ClientModel,
            messages = new[] { new { role = "user", content = "hi" } },
            max_tokens = 7,
            stream,
        };

    private static async Task StreamWordsAsync(HttpContext context, int number)
    {
        await FakeUpstream.StartStreamAsync(context);
        await FakeUpstream.WriteChunkAsync(context, "Hello");
        await FakeUpstream.WriteChunkAsync(context, " world");
        await FakeUpstream.WriteChunkAsync(context, null, "stop");
        await FakeUpstream.WriteRawAsync(context, "data: {\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion.chunk\","
            + "\"model\":\"fake-model\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,"
            + "\"total_tokens\":5}}\n\n");
        await FakeUpstream.WriteRawAsync(context, "data: [DONE]\n\n");
    }

    private static Task WriteErrorAsync(HttpContext context, int status, string message, string code = "fake_error")
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            error = new { message, type = "invalid_request_error", param = "messages", code },
        }));
    }

    private static async Task<List<string>> ReadAllAsync(HttpResponseMessage response)
    {
        using var timeout = new CancellationTokenSource(Deadline);
        var events = new List<string>();
        await foreach (var data in ServerSentEvents.ReadDataAsync(response, timeout.Token))
        {
            events.Add(data);
        }

        return events;
    }

    private static async Task<string?> ErrorCodeAsync(HttpResponseMessage response) =>
        (await Json.ReadAsync(response)).GetProperty("error").GetProperty("code").GetString();

    private static string? ErrorCode(string data) =>
        JsonDocument.Parse(data).RootElement.GetProperty("error").GetProperty("code").GetString();

    private static Task PollAsync(Func<bool> condition) => PollAsync(() => Task.FromResult(condition()));

    private static async Task PollAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not hold before the deadline.");
            await Task.Delay(20);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
