using System.Text.Json;

namespace Gantry.Bench.Tests;

public sealed class BenchCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("gantry-bench-tests-").FullName;

    public void Dispose()
    {
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task ClosedLoop_WithFailures_CountsTokensAndErrors()
    {
        await using var server = await FakeOpenAiServer.StartAsync(failEvery: 4);

        var (exitCode, json, output) = await RunAsync(server,
            "--concurrency", "3", "--requests", "20", "--max-tokens", "9", "--warmup", "0", "--prompt-tokens", "16");

        Assert.Equal(0, exitCode);
        Assert.Equal(20, server.Requests);
        Assert.Equal(15, json.GetProperty("completed").GetInt32());
        Assert.Equal(5, json.GetProperty("failed").GetInt32());
        Assert.Equal(5, json.GetProperty("errors").GetProperty("503").GetInt32());
        Assert.Single(json.GetProperty("errors").EnumerateObject());
        Assert.Equal(15 * 9, json.GetProperty("output_tokens").GetInt64());
        Assert.Equal(15 * 10, json.GetProperty("prompt_tokens").GetInt64());
        Assert.Equal(0, json.GetProperty("chunk_token_mismatches").GetInt32());
        Assert.Equal(0, json.GetProperty("usage_missing").GetInt32());
        Assert.Equal(15, json.GetProperty("ttft_seconds").GetProperty("count").GetInt32());
        Assert.Equal(15 * 8, json.GetProperty("itl_seconds").GetProperty("count").GetInt32());
        Assert.Equal(15, json.GetProperty("e2e_seconds").GetProperty("count").GetInt32());
        AssertConsistent(json);
        Assert.Contains("503: 5", output, StringComparison.Ordinal);
        Assert.Contains("queue full", json.GetProperty("error_samples")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChatEndpoint_RoleChunkIsNotAToken()
    {
        await using var server = await FakeOpenAiServer.StartAsync();

        var (exitCode, json, _) = await RunAsync(server,
            "--endpoint", "chat", "--concurrency", "2", "--requests", "6", "--max-tokens", "5", "--warmup", "2");

        Assert.Equal(0, exitCode);
        Assert.Equal(8, server.Requests);
        Assert.Equal(6, json.GetProperty("completed").GetInt32());
        Assert.Equal(30, json.GetProperty("output_tokens").GetInt64());
        Assert.Equal(0, json.GetProperty("chunk_token_mismatches").GetInt32());
        Assert.Equal(6 * 4, json.GetProperty("itl_seconds").GetProperty("count").GetInt32());
        AssertConsistent(json);
    }

    [Fact]
    public async Task PoissonArrivals_SendEveryRequest()
    {
        await using var server = await FakeOpenAiServer.StartAsync();

        var (exitCode, json, _) = await RunAsync(server,
            "--request-rate", "200", "--requests", "30", "--max-tokens", "3", "--warmup", "0", "--seed", "11");

        Assert.Equal(0, exitCode);
        Assert.Equal(30, server.Requests);
        Assert.Equal(30, json.GetProperty("completed").GetInt32());
        Assert.Equal(90, json.GetProperty("output_tokens").GetInt64());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("config").GetProperty("concurrency").ValueKind);
        AssertConsistent(json);
    }

    [Fact]
    public async Task PoissonArrivals_WithCap_SendEveryRequest()
    {
        await using var server = await FakeOpenAiServer.StartAsync(chunkDelay: TimeSpan.FromMilliseconds(2));

        var (exitCode, json, _) = await RunAsync(server,
            "--request-rate", "500", "--concurrency", "2", "--requests", "12", "--max-tokens", "4", "--warmup", "0");

        Assert.Equal(0, exitCode);
        Assert.Equal(12, json.GetProperty("completed").GetInt32());
        AssertConsistent(json);
    }

    [Fact]
    public async Task BrokenAndStalledStreams_AreCountedByKind()
    {
        await using var server = await FakeOpenAiServer.StartAsync(abortEvery: 5, stallEvery: 7);

        var (exitCode, json, _) = await RunAsync(server,
            "--concurrency", "4", "--requests", "14", "--max-tokens", "6", "--warmup", "0", "--timeout", "3");

        var errors = json.GetProperty("errors");
        Assert.Equal(0, exitCode);
        Assert.Equal(2, errors.GetProperty("connection").GetInt32());
        Assert.Equal(2, errors.GetProperty("timeout").GetInt32());
        Assert.Equal(4, json.GetProperty("failed").GetInt32());
        Assert.Equal(10, json.GetProperty("completed").GetInt32());
        Assert.Equal(60, json.GetProperty("output_tokens").GetInt64());
        AssertConsistent(json);
    }

    [Fact]
    public async Task Stop_MidRun_ReportsWhatWasMeasured()
    {
        await using var server = await FakeOpenAiServer.StartAsync(chunkDelay: TimeSpan.FromMilliseconds(20));
        using var stop = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (server.CompletedStreams < 3 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10);
            }

            await stop.CancelAsync();
        });

        var (exitCode, json, output) = await RunAsync(server, stop.Token,
            "--concurrency", "2", "--requests", "1000", "--max-tokens", "20", "--warmup", "0");
        await watcher;

        // The server finished three streams. With two workers, the third was sent only after the client had
        // read one of the first two to its end, and the others may still have been in flight.
        var completed = json.GetProperty("completed").GetInt32();
        var cancelled = json.GetProperty("cancelled").GetInt32();
        Assert.Equal(BenchCommand.StoppedExitCode, exitCode);
        Assert.InRange(completed, 1, 999);
        Assert.InRange(cancelled, 0, 2);
        Assert.Equal(0, json.GetProperty("failed").GetInt32());
        Assert.True(server.Requests < 1000, $"{server.Requests} requests reached the server");
        Assert.True(completed + cancelled >= server.Requests, $"{completed} completed and {cancelled} cancelled, {server.Requests} sent");
        Assert.Contains("Completed requests", output, StringComparison.Ordinal);
        AssertConsistent(json);
    }

    [Fact]
    public async Task Compare_TwoServers_ReportsRatiosOverPairs()
    {
        await using var a = await FakeOpenAiServer.StartAsync(modelName: "a-model");
        await using var b = await FakeOpenAiServer.StartAsync(modelName: "b-model");
        var path = Path.Combine(_directory, "compare.json");

        var output = new StringWriter();
        var exitCode = await BenchCommand.RunAsync(
            ["--url", a.BaseUrl.ToString(), "--compare", b.BaseUrl.ToString(), "--requests", "4", "--max-tokens", "3",
             "--warmup", "1", "--concurrency", "2", "--json", path],
            output, new StringWriter(), null, TimeProvider.System, CancellationToken.None);
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(path));
        var json = document.RootElement;

        Assert.Equal(0, exitCode);
        Assert.Equal(15, a.Requests);
        Assert.Equal(15, b.Requests);
        Assert.Equal("b/a", json.GetProperty("ratio").GetString());
        Assert.Equal(3, json.GetProperty("pairs").GetInt32());
        Assert.Equal("a-model", json.GetProperty("a").GetProperty("model").GetString());
        Assert.Equal("b-model", json.GetProperty("b").GetProperty("model").GetString());
        Assert.Equal(3, json.GetProperty("a").GetProperty("runs").GetArrayLength());
        Assert.Equal(3, json.GetProperty("b").GetProperty("runs").GetArrayLength());
        foreach (var run in json.GetProperty("b").GetProperty("runs").EnumerateArray())
        {
            Assert.Equal(12, run.GetProperty("output_tokens").GetInt64());
            AssertConsistent(run);
        }

        var ratio = json.GetProperty("ratios").GetProperty("output_tokens_per_second");
        Assert.Equal(3, ratio.GetProperty("count").GetInt32());
        Assert.InRange(ratio.GetProperty("median").GetDouble(), ratio.GetProperty("min").GetDouble(), ratio.GetProperty("max").GetDouble());
        Assert.True(ratio.GetProperty("min").GetDouble() > 0);
        Assert.Contains("ttft_seconds.p99", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClosedKeepAlive_IsRetriedOnce()
    {
        await using var server = new ClosingSseServer(tokens: 5);
        var path = Path.Combine(_directory, "closing.json");

        var exitCode = await BenchCommand.RunAsync(
            ["--url", server.BaseUrl.ToString(), "--model", "m", "--requests", "12", "--concurrency", "2", "--warmup", "0", "--json", path],
            new StringWriter(), new StringWriter(), null, TimeProvider.System, CancellationToken.None);
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(path));
        var json = document.RootElement;

        Assert.Equal(0, exitCode);
        Assert.Equal(12, json.GetProperty("completed").GetInt32());
        Assert.Equal(0, json.GetProperty("failed").GetInt32());
        Assert.Equal(12, server.Answered);
        Assert.True(server.ClosedOnReuse > 0, "the client never reused a connection, so nothing was retried");
        Assert.Equal(server.ClosedOnReuse, json.GetProperty("retried").GetInt32());
        Assert.Equal(60, json.GetProperty("output_tokens").GetInt64());
    }

    [Fact]
    public async Task UnreachableServer_FailsEveryRequest()
    {
        var path = Path.Combine(_directory, "down.json");
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var exitCode = await BenchCommand.RunAsync(
            ["--url", $"http://127.0.0.1:{port}", "--model", "m", "--requests", "3", "--warmup", "0", "--json", path],
            new StringWriter(), new StringWriter(), null, TimeProvider.System, CancellationToken.None);
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(path));

        Assert.Equal(1, exitCode);
        Assert.Equal(3, document.RootElement.GetProperty("errors").GetProperty("connection").GetInt32());
        Assert.Equal(JsonValueKind.Null, document.RootElement.GetProperty("ttft_seconds").GetProperty("mean").ValueKind);
    }

    [Fact]
    public async Task InvalidOptions_ExitTwoAndListProblems()
    {
        var error = new StringWriter();

        var exitCode = await BenchCommand.RunAsync(["--requests", "x"], new StringWriter(), error, null, TimeProvider.System, CancellationToken.None);

        Assert.Equal(2, exitCode);
        Assert.Contains("--url", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("--requests 'x'", error.ToString(), StringComparison.Ordinal);
    }

    private static void AssertConsistent(JsonElement json)
    {
        var completed = json.GetProperty("completed").GetInt32();
        var duration = json.GetProperty("duration_seconds").GetDouble();
        Assert.True(duration > 0, $"duration {duration}");
        Assert.Equal(completed / duration, json.GetProperty("requests_per_second").GetDouble(), 9);
        Assert.Equal(json.GetProperty("output_tokens").GetInt64() / duration, json.GetProperty("output_tokens_per_second").GetDouble(), 6);
        Assert.Equal(json.GetProperty("failed").GetInt32(), json.GetProperty("errors").EnumerateObject().Sum(e => e.Value.GetInt32()));
        foreach (var name in new[] { "ttft_seconds", "itl_seconds", "e2e_seconds" })
        {
            var figure = json.GetProperty(name);
            if (figure.GetProperty("count").GetInt32() == 0)
            {
                continue;
            }

            var p50 = figure.GetProperty("p50").GetDouble();
            var p90 = figure.GetProperty("p90").GetDouble();
            var p99 = figure.GetProperty("p99").GetDouble();
            Assert.True(p50 >= 0, $"{name}: p50 {p50} is negative");
            Assert.True(p50 <= p90, $"{name}: p50 {p50} is above p90 {p90}");
            Assert.True(p90 <= p99, $"{name}: p90 {p90} is above p99 {p99}");
        }

        if (completed > 0)
        {
            // A request's first token cannot come after its end.
            Assert.True(json.GetProperty("ttft_seconds").GetProperty("mean").GetDouble() <= json.GetProperty("e2e_seconds").GetProperty("mean").GetDouble());
        }
    }

    private Task<(int ExitCode, JsonElement Json, string Output)> RunAsync(FakeOpenAiServer server, params string[] args) =>
        RunAsync(server, CancellationToken.None, args);

    private async Task<(int ExitCode, JsonElement Json, string Output)> RunAsync(FakeOpenAiServer server, CancellationToken stop, params string[] args)
    {
        var path = Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".json");
        var output = new StringWriter();
        var exitCode = await BenchCommand.RunAsync(
            ["--url", server.BaseUrl.ToString(), "--json", path, .. args], output, new StringWriter(), null, TimeProvider.System, stop);
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(path));
        return (exitCode, document.RootElement.Clone(), output.ToString());
    }
}
