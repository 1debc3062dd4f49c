using System.Diagnostics;
using System.Text.Json;
using Gantry.IntegrationTests.Infrastructure;

namespace Gantry.IntegrationTests.Bench;

/// <summary>A server with two parallel sequences on <typeparamref name="TModel"/> for the benchmark tool to load.</summary>
public sealed class BenchTargetFixture<TModel> : ServerFixture<TModel>
    where TModel : ITestModel
{
    /// <inheritdoc />
    protected override IEnumerable<string> Arguments => ["--parallel", "2", "--context-size", "512"];
}

/// <summary>
/// <c>gantry bench</c>, run as its own process the way a user runs it, against a real server. The tests check
/// that the figures are produced and agree with each other, never how fast the server is.
/// </summary>
public abstract class BenchCommandTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>, IDisposable
    where TFixture : ServerFixture
{
    private static readonly TimeSpan s_benchTimeout = TimeSpan.FromMinutes(3);
    private readonly string _directory = Directory.CreateTempSubdirectory("gantry-bench-it-").FullName;

    public void Dispose()
    {
        Directory.Delete(_directory, recursive: true);
        GC.SuppressFinalize(this);
    }

    [SkippableFact]
    public async Task Completions_ClosedLoop_FiguresAgree()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        const int requests = 8;
        const int maxTokens = 24;

        var (exitCode, json, output) = await RunBenchAsync(
            "--concurrency", "2", "--requests", requests.ToString(), "--max-tokens", maxTokens.ToString(),
            "--prompt-tokens", "32", "--warmup", "1");

        Assert.True(exitCode == 0, $"gantry bench exited with {exitCode}:\n{output}");
        Assert.Equal(requests, json.GetProperty("completed").GetInt32());
        Assert.Equal(0, json.GetProperty("failed").GetInt32());
        Assert.Empty(json.GetProperty("errors").EnumerateObject());
        Assert.Equal(requests * maxTokens, json.GetProperty("output_tokens").GetInt64());
        Assert.Equal(0, json.GetProperty("usage_missing").GetInt32());

        // Every request's prompt is 32 words plus whatever the tokenizer adds, so usage counts more than 32 each.
        Assert.True(json.GetProperty("prompt_tokens").GetInt64() > requests * 32, json.GetProperty("prompt_tokens").ToString());
        AssertFiguresAgree(json, requests);
    }

    [SkippableFact]
    public async Task Chat_PoissonArrivals_FiguresAgree()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        const int requests = 6;
        const int maxTokens = 16;

        var (exitCode, json, output) = await RunBenchAsync(
            "--endpoint", "chat", "--request-rate", "20", "--requests", requests.ToString(),
            "--max-tokens", maxTokens.ToString(), "--prompt-tokens", "16", "--warmup", "0", "--seed", "5");

        Assert.True(exitCode == 0, $"gantry bench exited with {exitCode}:\n{output}");
        Assert.Equal(requests, json.GetProperty("completed").GetInt32());
        Assert.Equal(requests * maxTokens, json.GetProperty("output_tokens").GetInt64());
        AssertFiguresAgree(json, requests);
    }

    private static void AssertFiguresAgree(JsonElement json, int completed)
    {
        var duration = json.GetProperty("duration_seconds").GetDouble();
        var ttft = json.GetProperty("ttft_seconds");
        var itl = json.GetProperty("itl_seconds");
        var e2e = json.GetProperty("e2e_seconds");
        Assert.True(duration > 0, $"duration {duration}");
        Assert.Equal(completed / duration, json.GetProperty("requests_per_second").GetDouble(), 9);
        Assert.Equal(json.GetProperty("output_tokens").GetInt64() / duration, json.GetProperty("output_tokens_per_second").GetDouble(), 6);
        Assert.Equal(completed, ttft.GetProperty("count").GetInt32());
        Assert.Equal(completed, e2e.GetProperty("count").GetInt32());

        // A chunk can carry several tokens (an incomplete UTF-8 character is held back), so there are at most
        // tokens - 1 gaps per request, and at least one when a request streams more than one chunk.
        var tokensPerRequest = json.GetProperty("output_tokens").GetInt64() / completed;
        Assert.InRange(itl.GetProperty("count").GetInt64(), completed, completed * (tokensPerRequest - 1));
        foreach (var figure in new[] { ttft, itl, e2e })
        {
            var p50 = figure.GetProperty("p50").GetDouble();
            var p90 = figure.GetProperty("p90").GetDouble();
            var p99 = figure.GetProperty("p99").GetDouble();
            Assert.True(p50 >= 0, $"p50 {p50} is negative");
            Assert.True(p50 <= p90, $"p50 {p50} is above p90 {p90}");
            Assert.True(p90 <= p99, $"p90 {p90} is above p99 {p99}");
        }

        Assert.True(ttft.GetProperty("mean").GetDouble() < e2e.GetProperty("mean").GetDouble(), "TTFT is not below end-to-end latency");
        Assert.True(e2e.GetProperty("p99").GetDouble() <= duration, "a request took longer than the whole run");
    }

    private async Task<(int ExitCode, JsonElement Json, string Output)> RunBenchAsync(params string[] options)
    {
        var path = Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".json");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { RepositoryPaths.ServerAssembly, "bench", "--url", fixture.Server.BaseAddress.ToString(),
                     "--model", fixture.ModelName, "--no-progress", "--json", path })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var option in options)
        {
            start.ArgumentList.Add(option);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(s_benchTimeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var output = await stdout + await stderr;
        Assert.True(File.Exists(path), $"gantry bench wrote no JSON file:\n{output}");
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(path));
        return (process.ExitCode, document.RootElement.Clone(), output);
    }
}

/// <summary>The tests above on the generated model.</summary>
public sealed class GeneratedModelBenchCommandTests(BenchTargetFixture<GeneratedModel> fixture)
    : BenchCommandTests<BenchTargetFixture<GeneratedModel>>(fixture);

/// <summary>The tests above on the external llama-2 model.</summary>
public sealed class SharedModelBenchCommandTests(BenchTargetFixture<SharedModel> fixture)
    : BenchCommandTests<BenchTargetFixture<SharedModel>>(fixture);
