using System.Net;
using Gantry.IntegrationTests.Infrastructure;

namespace Gantry.IntegrationTests.Operations;

/// <summary>A model that cannot load leaves the process up and not ready, with the reason in health and log.</summary>
public sealed class FailedLoadTests
{
    private static string ModelPath => GeneratedModel.GetPath(out _)!;

    public enum BrokenModel
    {
        Missing,
        NotGguf,
        Truncated,
    }

    [SkippableTheory]
    [InlineData(BrokenModel.Missing)]
    [InlineData(BrokenModel.NotGguf)]
    [InlineData(BrokenModel.Truncated)]
    public async Task BrokenModel_ProcessStaysUpNotReady(BrokenModel kind)
    {
        var folder = Directory.CreateTempSubdirectory("gantry-broken-").FullName;
        try
        {
            var path = Path.Combine(folder, "broken.gguf");
            await CreateAsync(kind, path);
            await using var server = await GantryServer.StartAsync(["--model", path, "--model-name", "broken"]);
            using var client = server.CreateClient();

            var startup = await Probe.WaitForStatusAsync(client, "/health/startup", HttpStatusCode.OK);
            var (healthStatus, health) = await Probe.GetJsonAsync(client, "/health");
            var (liveStatus, _) = await Probe.GetJsonAsync(client, "/health/live");
            using var inference = await client.PostAsync("/v1/completions",
                Json.Content(new { model = "broken", prompt = "hi", max_tokens = 2 }));
            var metrics = await PrometheusText.ScrapeAsync(client);

            Assert.False(server.HasExited);
            Assert.Equal("Degraded", startup.GetProperty("status").GetString());
            Assert.StartsWith("model broken failed to load: ", Probe.GetCheck(startup, "model-load").Description);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, healthStatus);
            var (modelStatus, reason) = Probe.GetCheck(health, "model");
            Assert.Equal("Unhealthy", modelStatus);
            Assert.StartsWith("model broken failed to load: ", reason);
            if (kind == BrokenModel.Missing)
            {
                Assert.Contains(path, reason);
            }

            Assert.Equal(HttpStatusCode.OK, liveStatus);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, inference.StatusCode);
            Assert.Equal("model_load_failed",
                (await Json.ReadAsync(inference)).GetProperty("error").GetProperty("code").GetString());
            Assert.Equal(0, PrometheusText.GetValue(metrics, "gantry_model_loaded", ("model", "broken")));
            Assert.Equal(0, PrometheusText.GetValue(metrics, "gantry_model_ready", ("model", "broken")));
            Assert.Contains(server.Output, line => line.Contains("\"eventName\":\"ModelLoadFailed\"", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task LoadOverTimeout_FailsWithReason()
    {
        // A model URL whose server accepts the connection and never responds keeps the download waiting, so only
        // the load timeout can end the load.
        using var silent = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        await using var server = await GantryServer.StartAsync([
            "--model", $"http://127.0.0.1:{port}/never.gguf", "--model-name", "slow", "--model-load-timeout", "1"]);
        using var client = server.CreateClient();
        using var accepted = await silent.AcceptTcpClientAsync();

        await Probe.WaitForStatusAsync(client, "/health/startup", HttpStatusCode.OK);
        var (healthStatus, health) = await Probe.GetJsonAsync(client, "/health");

        Assert.False(server.HasExited);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, healthStatus);
        var (modelStatus, reason) = Probe.GetCheck(health, "model");
        Assert.Equal("Unhealthy", modelStatus);
        Assert.Contains("did not load within --model-load-timeout (1 s)", reason);
    }

    private static async Task CreateAsync(BrokenModel kind, string path)
    {
        switch (kind)
        {
            case BrokenModel.Missing:
                break;
            case BrokenModel.NotGguf:
                await File.WriteAllTextAsync(path, "this is a text file, not a GGUF model\n");
                break;
            case BrokenModel.Truncated:
                var bytes = await File.ReadAllBytesAsync(ModelPath);
                await File.WriteAllBytesAsync(path, bytes[..(bytes.Length / 2)]);
                break;
        }
    }
}
