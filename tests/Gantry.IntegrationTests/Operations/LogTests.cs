using System.Diagnostics;
using System.Text.Json;
using Gantry.IntegrationTests.Infrastructure;

namespace Gantry.IntegrationTests.Operations;

/// <summary>JSON logs: one object per line, request lines with ids, and no prompt content unless enabled.</summary>
public sealed class LogTests
{
    private static string ModelPath => GeneratedModel.GetPath(out _)!;

    private const string Email = "alice.liddell@example.com";
    private const string Token = "sk-live-9f8e7d6c5b4a39281706";
    private const int RequestCount = 12;

    [SkippableFact]
    public async Task Logs_SecretsInPrompts_AbsentAtInformation()
    {
        await using var server = await StartAsync();
        using var client = server.CreateClient();
        await WaitForLinesAsync(server, IsReadinessRequest, 1);
        var idleLines = server.Output.Count;
        for (var i = 0; i < 5; i++)
        {
            (await client.GetAsync("/health")).Dispose();
            (await client.GetAsync("/metrics")).Dispose();
        }

        var quietAfterProbes = server.Output.Count == idleLines;
        await SendConcurrentRequestsAsync(client);
        var lines = await WaitForLinesAsync(server, IsChatRequest, RequestCount);

        Assert.True(quietAfterProbes, "Probes and scrapes wrote log lines:\n" + string.Join('\n', server.Output.Skip(idleLines)));
        Assert.All(server.Output, line => Assert.DoesNotContain(Email, line));
        Assert.All(server.Output, line => Assert.DoesNotContain(Token, line));
        Assert.DoesNotContain(server.Output, line => line.Contains("\"InferenceContent\"", StringComparison.Ordinal));
        Assert.All(server.Output, line => JsonDocument.Parse(line).Dispose());
        foreach (var line in lines)
        {
            var entry = JsonDocument.Parse(line).RootElement;
            Assert.Equal("Information", entry.GetProperty("level").GetString());
            Assert.Equal(4101, entry.GetProperty("eventId").GetInt32());
            Assert.Matches("^[0-9a-f]{32}$", entry.GetProperty("traceId").GetString());
            Assert.False(string.IsNullOrEmpty(entry.GetProperty("requestId").GetString()));
            Assert.Equal("tiny", entry.GetProperty("Model").GetString());
            Assert.Equal(200, entry.GetProperty("StatusCode").GetInt32());
            Assert.True(entry.GetProperty("LatencyMs").GetDouble() > 0);
            Assert.True(entry.GetProperty("PromptTokens").GetInt32() > 0);
            Assert.Equal(4, entry.GetProperty("CompletionTokens").GetInt32());
            Assert.Equal("length", entry.GetProperty("Outcome").GetString());
            Assert.Matches("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$", entry.GetProperty("timestamp").GetString());
        }
    }

    [SkippableFact]
    public async Task Logs_DebugContentEnabled_Redacted()
    {
        await using var server = await StartAsync(new Dictionary<string, string>
        {
            ["Gantry__Logging__LogContent"] = "true",
            ["Logging__LogLevel__Gantry"] = "Debug",
        });
        using var client = server.CreateClient();

        await SendConcurrentRequestsAsync(client);
        await WaitForLinesAsync(server, IsChatRequest, RequestCount);

        var content = server.Output.Where(line => line.Contains("\"eventName\":\"InferenceContent\"", StringComparison.Ordinal))
            .Select(line => JsonDocument.Parse(line).RootElement).ToArray();
        Assert.All(server.Output, line => Assert.DoesNotContain(Email, line));
        Assert.All(server.Output, line => Assert.DoesNotContain(Token, line));
        Assert.True(content.Length >= RequestCount, $"{content.Length} content lines for {RequestCount} requests.");
        Assert.All(content, entry => Assert.Equal("Debug", entry.GetProperty("level").GetString()));
        var prompts = content.Select(entry => entry.GetProperty("Prompt").GetString()!)
            .Where(prompt => prompt.Contains("[email]", StringComparison.Ordinal)).ToArray();
        Assert.Equal(RequestCount, prompts.Length);
        Assert.All(prompts, prompt => Assert.Contains("Bearer [secret]", prompt));
        Assert.All(prompts, prompt => Assert.Contains("key [secret]", prompt));
    }

    [SkippableFact]
    public async Task Traceparent_EchoedAndLogged()
    {
        await using var server = await StartAsync();
        using var client = server.CreateClient();
        const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = Json.Content(new { model = "tiny", prompt = "trace me", max_tokens = 2 }),
        };
        request.Headers.Add("traceparent", $"00-{TraceId}-00f067aa0ba902b7-01");

        using var response = await client.SendAsync(request);
        var lines = await WaitForLinesAsync(server, line => IsRequest(line) && line.Contains(TraceId, StringComparison.Ordinal), 1);

        var echoed = response.Headers.GetValues("traceparent").Single();
        Assert.Matches($"^00-{TraceId}-[0-9a-f]{{16}}-01$", echoed);
        Assert.DoesNotContain("00f067aa0ba902b7", echoed);
        var entry = JsonDocument.Parse(Assert.Single(lines)).RootElement;
        Assert.Equal(TraceId, entry.GetProperty("traceId").GetString());
        Assert.Equal(echoed.Split('-')[2], entry.GetProperty("spanId").GetString());
    }

    [Fact]
    public async Task LogFormatText_WritesPlainLines()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"gantry-missing-{Guid.NewGuid():N}.gguf");
        await using var server = await GantryServer.StartAsync(["--model", missing, "--log-format", "text"]);

        var listening = server.Output.First(line => line.Contains("Now listening on", StringComparison.Ordinal));

        Assert.False(listening.TrimStart().StartsWith('{'));
        Assert.Matches("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z info: ", listening);
    }

    private static async Task<GantryServer> StartAsync(IReadOnlyDictionary<string, string>? environment = null)
    {
        var server = await GantryServer.StartAsync(
            ["--model", ModelPath, "--model-name", "tiny", "--parallel", "4"], environment);
        await server.WaitUntilReadyAsync("tiny");
        return server;
    }

    private static async Task SendConcurrentRequestsAsync(HttpClient client)
    {
        var requests = Enumerable.Range(0, RequestCount).Select(async i =>
        {
            var prompt = $"Request {i}: my e-mail is {Email}, header Authorization: Bearer {Token}, key {Token}.";
            object body = i % 2 == 0
                ? new { model = "tiny", messages = new[] { new { role = "user", content = prompt } }, max_tokens = 4, ignore_eos = true }
                : new { model = "tiny", messages = new[] { new { role = "user", content = prompt } }, max_tokens = 4, ignore_eos = true, stream = true };
            using var response = await client.PostAsync("/v1/chat/completions", Json.Content(body));
            response.EnsureSuccessStatusCode();
            await response.Content.ReadAsStringAsync();
        });
        await Task.WhenAll(requests);
    }

    private static bool IsRequest(string line) =>
        line.Contains("\"eventName\":\"InferenceRequestFinished\"", StringComparison.Ordinal);

    private static bool IsChatRequest(string line) =>
        IsRequest(line) && line.Contains("\"Route\":\"/v1/chat/completions\"", StringComparison.Ordinal);

    // The readiness request of GantryServer.WaitUntilReadyAsync is logged after its response has been sent.
    private static bool IsReadinessRequest(string line) =>
        IsRequest(line) && line.Contains("\"StatusCode\":200", StringComparison.Ordinal);

    private static async Task<IReadOnlyList<string>> WaitForLinesAsync(GantryServer server, Func<string, bool> predicate,
        int count)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var lines = server.Output.Where(predicate).ToArray();
            if (lines.Length >= count)
            {
                return lines;
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"{lines.Length} of {count} log lines found:\n{string.Join('\n', server.Output)}");
            }

            await Task.Delay(20);
        }
    }
}
