using System.Net;
using Gantry.IntegrationTests.Infrastructure;

namespace Gantry.IntegrationTests.Operations;

/// <summary>The probe routes across a model load that the test holds back with the load gate file.</summary>
public sealed class HealthProbeTests
{
    private static string ModelPath => GeneratedModel.GetPath(out _)!;

    [SkippableFact]
    public async Task Health_SlowLoad_503ThenReadyWhileLiveStays200()
    {
        var gate = Path.Combine(Path.GetTempPath(), $"gantry-gate-{Guid.NewGuid():N}");
        await using var server = await GantryServer.StartAsync(
            ["--model", ModelPath, "--model-name", "tiny"],
            new Dictionary<string, string> { ["Gantry__Testing__LoadGateFile"] = gate });
        using var client = server.CreateClient();

        var (healthStatus, health) = await Probe.GetJsonAsync(client, "/health");
        var (readyStatus, _) = await Probe.GetJsonAsync(client, "/health/ready");
        var (liveStatus, live) = await Probe.GetJsonAsync(client, "/health/live");
        var (startupStatus, startup) = await Probe.GetJsonAsync(client, "/health/startup");
        using var inference = await client.PostAsync("/v1/completions",
            Json.Content(new { model = "tiny", prompt = "hi", max_tokens = 2 }));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, healthStatus);
        Assert.Equal("Unhealthy", health.GetProperty("status").GetString());
        Assert.Equal(("Unhealthy", "model tiny is loading"), Probe.GetCheck(health, "model"));
        Assert.Equal("Healthy", Probe.GetCheck(health, "drain").Status);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readyStatus);
        Assert.Equal(HttpStatusCode.OK, liveStatus);
        Assert.Equal("Healthy", live.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, startupStatus);
        Assert.Equal("Unhealthy", Probe.GetCheck(startup, "model-load").Status);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, inference.StatusCode);
        Assert.Equal("1", inference.Headers.GetValues("Retry-After").Single());
        Assert.Equal("model_loading", (await Json.ReadAsync(inference)).GetProperty("error").GetProperty("code").GetString());

        await File.WriteAllTextAsync(gate, "");
        try
        {
            var ready = await Probe.WaitForStatusAsync(client, "/health", HttpStatusCode.OK, async (status, body) =>
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
                Assert.Equal("Unhealthy", Probe.GetCheck(body, "model").Status);
                using var liveResponse = await client.GetAsync("/health/live");
                Assert.Equal(HttpStatusCode.OK, liveResponse.StatusCode);
            });

            Assert.Equal("Healthy", ready.GetProperty("status").GetString());
            Assert.Equal(("Healthy", "model tiny is loaded and warm"), Probe.GetCheck(ready, "model"));
            Assert.Equal(("Healthy", "sqlite store is reachable"), Probe.GetCheck(ready, "store"));
            var (afterStartup, startupBody) = await Probe.GetJsonAsync(client, "/health/startup");
            Assert.Equal(HttpStatusCode.OK, afterStartup);
            Assert.Equal("Healthy", startupBody.GetProperty("status").GetString());
            var (afterReady, _) = await Probe.GetJsonAsync(client, "/health/ready");
            Assert.Equal(HttpStatusCode.OK, afterReady);
            var (afterLive, _) = await Probe.GetJsonAsync(client, "/health/live");
            Assert.Equal(HttpStatusCode.OK, afterLive);
        }
        finally
        {
            File.Delete(gate);
        }
    }

    [SkippableFact]
    public async Task Health_Responses_NotCached()
    {
        await using var server = await GantryServer.StartAsync(["--model", ModelPath]);
        using var client = server.CreateClient();

        foreach (var path in new[] { "/health", "/health/ready", "/health/live", "/health/startup" })
        {
            using var response = await client.GetAsync(path);

            Assert.Contains("no-cache", response.Headers.CacheControl?.ToString());
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        }
    }
}
