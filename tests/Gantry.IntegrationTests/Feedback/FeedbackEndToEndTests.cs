using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Gantry.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Gantry.IntegrationTests.Feedback;

/// <summary>
/// Feedback through the real server process on real completions: durability when the server is killed with
/// SIGKILL under concurrent load and restarted on the same data directory, and the export command afterwards.
/// </summary>
/// <remarks>
/// SIGKILL ends the process but not the kernel, so this catches acknowledging before the commit, not a missing
/// fsync; the fsync is the store's <c>synchronous=FULL</c> setting.
/// </remarks>
public sealed class FeedbackEndToEndTests(ITestOutputHelper output)
{
    private const string ModelName = "test-model";
    private const int Workers = 16;
    private const int AcknowledgedBeforeKill = 300;

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Sigkill_MidLoad_KeepsEveryAcknowledgedFeedbackOnce(bool postgres)
    {
        var modelPath = Gantry.Testing.TestModels.GetPath(Gantry.Testing.TestModels.Tiny);
        var dataDir = Directory.CreateTempSubdirectory("gantry-feedback-e2e-").FullName;

        // On PostgreSQL the database outlives the test, so a model name of its own keeps the counts apart.
        var modelName = postgres ? $"{ModelName}-{Guid.NewGuid():N}"[..24] : ModelName;
        string[] arguments = ["--model", modelPath, "--model-name", modelName, "--capture", "full", .. DatabaseArguments(postgres)];
        var acknowledged = new ConcurrentDictionary<string, string>();

        // Idempotency keys are unique per database, which on PostgreSQL outlives this run.
        var run = Guid.NewGuid().ToString("N")[..8];
        var unexpected = new ConcurrentQueue<string>();
        var attempted = 0;
        try
        {
            await using (var server = await GantryServer.StartAsync(arguments, dataDir: dataDir))
            {
                await server.WaitUntilReadyAsync(modelName);
                using var client = server.CreateClient();
                var completionIds = new List<string>();
                for (var i = 0; i < 4; i++)
                {
                    completionIds.Add(await CreateCompletionAsync(client, $"Question {i}?", modelName));
                }

                using var stop = new CancellationTokenSource();
                var workers = Enumerable.Range(0, Workers).Select(worker => Task.Run(async () =>
                {
                    for (var n = 0; n < 100_000 && !stop.IsCancellationRequested; n++)
                    {
                        var key = $"{run}-w{worker}-{n}";
                        Interlocked.Increment(ref attempted);
                        try
                        {
                            using var response = await PostFeedbackAsync(client, completionIds[n % completionIds.Count], key, n % 2 == 0 ? "up" : "down");
                            if (response.StatusCode != HttpStatusCode.Created)
                            {
                                unexpected.Enqueue($"{key}: HTTP {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                                return;
                            }

                            var body = await Json.ReadAsync(response);
                            acknowledged[key] = body.GetProperty("id").GetString()!;
                        }
                        catch (HttpRequestException)
                        {
                            return;
                        }
                    }
                })).ToArray();

                var deadline = Stopwatch.StartNew();
                while (acknowledged.Count < AcknowledgedBeforeKill && unexpected.IsEmpty && deadline.Elapsed < TimeSpan.FromSeconds(90))
                {
                    await Task.Delay(10);
                }

                await server.KillAsync();
                stop.Cancel();
                await Task.WhenAll(workers);
            }

            Assert.Empty(unexpected);
            Assert.True(acknowledged.Count >= AcknowledgedBeforeKill, $"Only {acknowledged.Count} feedback entries were acknowledged.");

            await using var restarted = await GantryServer.StartAsync(arguments, dataDir: dataDir);
            using var restartedClient = restarted.CreateClient();
            var missing = new List<string>();
            foreach (var (key, id) in acknowledged)
            {
                using var response = await restartedClient.GetAsync($"/v1/feedback/{id}");
                if (response.StatusCode != HttpStatusCode.OK || (await Json.ReadAsync(response)).GetProperty("comment").GetString() != key)
                {
                    missing.Add($"{key} ({id}): HTTP {(int)response.StatusCode}");
                }
            }

            var storedAfterRestart = await CountFeedbackAsync(restartedClient, modelName);
            var replays = await Task.WhenAll(acknowledged.Take(50).Select(async pair =>
            {
                var (key, id) = pair;
                var n = int.Parse(key.Split('-')[^1], System.Globalization.CultureInfo.InvariantCulture);
                using var response = await PostFeedbackAsync(restartedClient, await CompletionIdOfAsync(restartedClient, id), key,
                    n % 2 == 0 ? "up" : "down");
                return (response.StatusCode, Id: (await Json.ReadAsync(response)).GetProperty("id").GetString(), Expected: id);
            }));
            var storedAfterReplays = await CountFeedbackAsync(restartedClient, modelName);

            output.WriteLine($"store={(postgres ? "postgres" : "sqlite")} attempted={attempted} acknowledged={acknowledged.Count} stored_after_restart={storedAfterRestart}");
            Assert.Empty(missing);
            Assert.InRange(storedAfterRestart, acknowledged.Count, attempted);
            Assert.All(replays, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
            Assert.All(replays, r => Assert.Equal(r.Expected, r.Id));
            Assert.Equal(storedAfterRestart, storedAfterReplays);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task Export_RealCompletion_WritesConversation()
    {
        var modelPath = Gantry.Testing.TestModels.GetPath(Gantry.Testing.TestModels.Tiny);
        await using var server = await GantryServer.StartAsync(["--model", modelPath, "--model-name", ModelName, "--capture", "full"]);
        await server.WaitUntilReadyAsync(ModelName);
        using var client = server.CreateClient();
        var completionId = await CreateCompletionAsync(client, "What is the capital of France?", ModelName);
        using var feedback = await client.PostAsync("/v1/feedback", Json.Content(new
        {
            completion_id = completionId,
            rating = "down",
            correction = "Paris.",
        }));
        var output = Path.Combine(server.DataDir, "export", "sft.jsonl");

        var (exitCode, stdout) = await RunGantryAsync("feedback", "export", "--format", "sft", "--output", output, "--data-dir", server.DataDir);
        var lines = await File.ReadAllLinesAsync(output);

        Assert.Equal(HttpStatusCode.Created, feedback.StatusCode);
        Assert.Equal(0, exitCode);
        Assert.StartsWith("feedback export: format=sft sft_rows=1 ", stdout);
        Assert.Equal(
            ["""{"messages":[{"role":"user","content":"What is the capital of France?"},{"role":"assistant","content":"Paris."}]}"""],
            lines);
    }

    private static async Task<(int ExitCode, string Stdout)> RunGantryAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(RepositoryPaths.ServerAssembly);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(process.ExitCode == 0, await stderr);
        return (process.ExitCode, await stdout);
    }

    private static string[] DatabaseArguments(bool postgres)
    {
        if (!postgres)
        {
            return [];
        }

        var database = Environment.GetEnvironmentVariable("GANTRY_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(database))
        {
            const string message = "GANTRY_TEST_POSTGRES is not set, so the PostgreSQL test cannot run. " +
                "Start a server with: eval \"$(scripts/start-postgres.sh)\"";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException(message);
            }

            Skip.If(true, message);
        }

        return ["--database", database!];
    }

    private static async Task<string> CreateCompletionAsync(HttpClient client, string question, string model)
    {
        using var response = await client.PostAsync("/v1/chat/completions", Json.Content(new
        {
            model,
            messages = new[] { new { role = "user", content = question } },
            max_tokens = 4,
            temperature = 0,
        }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await Json.ReadAsync(response)).GetProperty("id").GetString()!;
    }

    private static async Task<HttpResponseMessage> PostFeedbackAsync(HttpClient client, string completionId, string key, string rating)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/feedback")
        {
            Content = Json.Content(new { completion_id = completionId, rating, comment = key }),
        };
        request.Headers.Add("Idempotency-Key", key);
        return await client.SendAsync(request);
    }

    private static async Task<string> CompletionIdOfAsync(HttpClient client, string feedbackId)
    {
        using var response = await client.GetAsync($"/v1/feedback/{feedbackId}");
        return (await Json.ReadAsync(response)).GetProperty("completion_id").GetString()!;
    }

    private static async Task<long> CountFeedbackAsync(HttpClient client, string model)
    {
        using var response = await client.GetAsync($"/v1/feedback/stats?window=1d&model={model}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await Json.ReadAsync(response)).GetProperty("total").GetInt64();
    }
}
