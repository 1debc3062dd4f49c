using System.Net;
using Gantry.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Gantry.IntegrationTests.Upstream;

/// <summary>Probes and request metrics of a Gantry in upstream mode, in front of a fake upstream.</summary>
public sealed class UpstreamOperationsTests
{
    private const string ClientModel = "front";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Probes_FollowUpstreamHealth()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.HealthStatus = StatusCodes.Status503ServiceUnavailable;
        await using var gantry = await StartGantryAsync(upstream);
        using var client = gantry.CreateClient();

        await WaitForStatusAsync(client, "/health/ready", HttpStatusCode.ServiceUnavailable, "upstream", "Unhealthy");
        var (startupWhileDown, _) = await Probe.GetJsonAsync(client, "/health/startup");
        var (liveWhileDown, _) = await Probe.GetJsonAsync(client, "/health/live");
        upstream.HealthStatus = StatusCodes.Status200OK;
        var ready = await WaitForStatusAsync(client, "/health/ready", HttpStatusCode.OK, "upstream", "Healthy");
        var (startupWhenUp, _) = await Probe.GetJsonAsync(client, "/health/startup");
        upstream.HealthStatus = StatusCodes.Status500InternalServerError;
        var down = await WaitForStatusAsync(client, "/health", HttpStatusCode.ServiceUnavailable, "upstream", "Unhealthy");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, startupWhileDown);
        Assert.Equal(HttpStatusCode.OK, liveWhileDown);
        Assert.Equal("Healthy", Probe.GetCheck(ready, "model").Status);
        Assert.Equal(HttpStatusCode.OK, startupWhenUp);
        Assert.Equal("Unhealthy", Probe.GetCheck(down, "model").Status);
        Assert.Contains("returned 500", Probe.GetCheck(down, "upstream").Description);
    }

    [Fact]
    public async Task UpstreamNeverHealthy_FailsAfterLoadTimeout()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.HealthStatus = StatusCodes.Status503ServiceUnavailable;
        await using var gantry = await StartGantryAsync(upstream, "--model-load-timeout", "1");
        using var client = gantry.CreateClient();

        var startup = await WaitForStatusAsync(client, "/health/startup", HttpStatusCode.OK, "model-load", "Degraded");
        var (readyStatus, ready) = await Probe.GetJsonAsync(client, "/health/ready");

        Assert.Contains("within the model load timeout of 1 s", Probe.GetCheck(startup, "model-load").Description);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readyStatus);
        Assert.Equal("Unhealthy", Probe.GetCheck(ready, "model").Status);
    }

    [Fact]
    public async Task Metrics_CountUpstreamRequests()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.Behavior = (context, number) => number == 1
            ? StreamWordsAsync(context)
            : WriteServerErrorAsync(context);
        await using var gantry = await StartGantryAsync(upstream, "--upstream-retries", "0");
        using var client = gantry.CreateClient();

        using (var stream = await ServerSentEvents.PostStreamAsync(client, "/v1/chat/completions", ChatBody(true)))
        {
            await foreach (var _ in ServerSentEvents.ReadDataAsync(stream))
            {
            }
        }

        using var failed = await client.PostAsync("/v1/chat/completions", Json.Content(ChatBody(false)));
        using var invalid = await client.PostAsync("/v1/chat/completions", Json.Content(new { model = ClientModel }));
        var text = await PrometheusText.WaitForAsync(client,
            t => PrometheusText.GetValue(t, "gantry_requests_total", ("endpoint", "chat"), ("outcome", "rejected")) == 1,
            Deadline, "the rejected request to be counted");

        Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal(1, Count(text, "stop"));
        Assert.Equal(1, Count(text, "error"));
        Assert.Equal(3, PrometheusText.GetValue(text, "gantry_prompt_tokens_total", ("model", ClientModel)));
        Assert.Equal(2, PrometheusText.GetValue(text, "gantry_generation_tokens_total", ("model", ClientModel)));
        Assert.Equal(1, PrometheusText.GetValue(text, "gantry_time_to_first_token_seconds_count", ("model", ClientModel)));
        Assert.Equal(1, PrometheusText.GetValue(text, "gantry_inter_token_latency_seconds_count", ("model", ClientModel)));
    }

    [Fact]
    public async Task DrainDeadline_EndsStreamWithDrainingEvent()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.Behavior = async (context, _) =>
        {
            await FakeUpstream.StartStreamAsync(context);
            await FakeUpstream.WriteChunkAsync(context, "Hel");
            await Task.Delay(TimeSpan.FromSeconds(60), context.RequestAborted);
        };
        await using var gantry = await StartGantryAsync(upstream, "--drain-timeout", "0");
        using var client = gantry.CreateClient();

        using var stream = await ServerSentEvents.PostStreamAsync(client, "/v1/chat/completions", ChatBody(true));
        var events = new List<string>();
        await foreach (var data in ServerSentEvents.ReadDataAsync(stream))
        {
            events.Add(data);
            if (events.Count == 1)
            {
                gantry.Terminate();
            }
        }

        var exitCode = await gantry.WaitForExitAsync(Deadline);
        await upstream.Aborted.WaitAsync(Deadline);

        Assert.Equal(3, events.Count);
        var error = System.Text.Json.JsonDocument.Parse(events[1]).RootElement.GetProperty("error");
        Assert.Equal("draining", error.GetProperty("code").GetString());
        Assert.Equal("[DONE]", events[2]);
        Assert.Equal(0, exitCode);
    }

    private static double? Count(string text, string outcome) => PrometheusText.GetValue(text, "gantry_requests_total",
        ("model", ClientModel), ("endpoint", "chat"), ("outcome", outcome));

    private static async Task<System.Text.Json.JsonElement> WaitForStatusAsync(HttpClient client, string path,
        HttpStatusCode status, string check, string checkStatus)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            var (actual, body) = await Probe.GetJsonAsync(client, path);
            if (actual == status && Probe.GetCheck(body, check).Status == checkStatus)
            {
                return body;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{path} did not return {status} before the deadline.");
            await Task.Delay(20);
        }
    }

    private static Task<GantryServer> StartGantryAsync(FakeUpstream upstream, params string[] options) =>
        GantryServer.StartAsync(["--upstream", upstream.BaseAddress.ToString(), "--upstream-model", "fake-model",
            "--model-name", ClientModel, "--upstream-health-interval", "0.2", .. options]);

    private static object ChatBody(bool stream) => new
    {
        model = ClientModel,
        messages = new[] { new { role = "user", content = "hi" } },
        stream,
    };

    private static async Task StreamWordsAsync(HttpContext context)
    {
        await FakeUpstream.StartStreamAsync(context);
        await FakeUpstream.WriteChunkAsync(context, "Hello");
        await FakeUpstream.WriteChunkAsync(context, " world");
        await FakeUpstream.WriteChunkAsync(context, null, "stop");
        await FakeUpstream.WriteRawAsync(context, "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,"
            + "\"completion_tokens\":2,\"total_tokens\":5}}\n\ndata: [DONE]\n\n");
    }

    private static Task WriteServerErrorAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status500InternalServerError;
        return context.Response.WriteAsync("{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}");
    }
}
