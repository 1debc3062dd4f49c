using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Gantry.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Gantry.IntegrationTests.Security;

/// <summary>
/// Mixed inference and feedback load while the server is killed with SIGKILL several times at random moments.
/// After each restart the store opens, every acknowledged feedback entry reads back unchanged, every acknowledged
/// completion can still be rated, and the stored feedback count shows no entry twice.
/// </summary>
[Collection(FaultSuite.Name)]
public sealed class CrashTests(ITestOutputHelper output)
{
    private const string ModelName = SecuredServer.ModelName;
    private const int InferenceWorkers = 4;
    private const int FeedbackWorkers = 8;

    [SkippableFact]
    public async Task RepeatedSigkill_KeepsEveryAcknowledgedRecordOnce()
    {
        var model = Gantry.Testing.TestModels.GetPath(Gantry.Testing.TestModels.Tiny);
        var dataDir = Directory.CreateTempSubdirectory("gantry-crash-").FullName;
        string[] arguments = ["--model", model, "--model-name", ModelName, "--capture", "metadata", "--parallel", "4"];
        var random = new Random(7_2026);
        var completions = new ConcurrentDictionary<string, byte>();
        var feedback = new ConcurrentDictionary<string, string>();
        var unexpected = new ConcurrentQueue<string>();
        var attemptedCompletions = 0;
        var attemptedFeedback = 0;
        var checkedRecords = 0;
        var lost = new List<string>();
        try
        {
            for (var round = 0; round <= FaultSizes.Kills; round++)
            {
                await using var server = await GantryServer.StartAsync(arguments, dataDir: dataDir);
                await server.WaitUntilReadyAsync(ModelName);
                using var client = server.CreateClient();
                if (round == 0)
                {
                    using var probe = await PostFeedbackAsync(client, "chatcmpl-probe", "probe");
                    Skip.If(probe.StatusCode == HttpStatusCode.NotFound
                        && (await Json.ReadAsync(probe)).GetProperty("error").GetProperty("code").GetString() == "unknown_route",
                        "This build has no feedback API.");
                }

                // Everything acknowledged before the last kill must be there after the restart. Rating each completion
                // again adds acknowledged feedback entries, which the next restart checks in turn.
                var completionIds = completions.Keys.ToArray();
                checkedRecords += await VerifyFeedbackAsync(client, feedback.ToArray(), lost);
                checkedRecords += completionIds.Length;
                attemptedFeedback += completionIds.Length;
                foreach (var (id, status) in await RateAgainAsync(client, round, completionIds, feedback))
                {
                    lost.Add($"completion {id}: HTTP {status}");
                }

                var stored = await CountFeedbackAsync(client);
                Assert.InRange(stored, feedback.Count, attemptedFeedback);
                if (round == FaultSizes.Kills)
                {
                    break;
                }

                using var stop = new CancellationTokenSource();
                var load = Enumerable.Range(0, InferenceWorkers).Select(w => Task.Run(() => InferAsync(client, w, stop.Token)))
                    .Concat(Enumerable.Range(0, FeedbackWorkers).Select(w => Task.Run(() => RateAsync(client, round, w, stop.Token))))
                    .ToArray();
                var target = feedback.Count + random.Next(20, 200);
                var deadline = Stopwatch.StartNew();
                while (feedback.Count < target && unexpected.IsEmpty && deadline.Elapsed < TimeSpan.FromSeconds(60))
                {
                    await Task.Delay(5);
                }

                await server.KillAsync();
                await stop.CancelAsync();
                await Task.WhenAll(load);
                Assert.Empty(unexpected);
            }

            output.WriteLine($"kills: {FaultSizes.Kills}");
            output.WriteLine($"requests tried: {attemptedCompletions} completions, {attemptedFeedback} feedback");
            output.WriteLine($"acknowledged: {completions.Count} completions, {feedback.Count} feedback");
            output.WriteLine($"records checked: {checkedRecords}, records lost: {lost.Count}");
            Assert.Empty(lost);
            Assert.True(feedback.Count > 0, "No feedback was acknowledged between the kills.");
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }

        async Task InferAsync(HttpClient client, int worker, CancellationToken cancellationToken)
        {
            for (var n = 0; !cancellationToken.IsCancellationRequested; n++)
            {
                Interlocked.Increment(ref attemptedCompletions);
                try
                {
                    using var response = await client.PostAsync("/v1/completions", Json.Content(new
                    {
                        model = ModelName,
                        prompt = $"worker {worker} request {n}",
                        max_tokens = 4,
                        ignore_eos = true,
                    }), cancellationToken);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        completions[(await Json.ReadAsync(response)).GetProperty("id").GetString()!] = 0;
                    }
                    else if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
                    {
                        unexpected.Enqueue($"completion: HTTP {(int)response.StatusCode}");
                    }
                }
                catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException)
                {
                    return;
                }
            }
        }

        async Task RateAsync(HttpClient client, int round, int worker, CancellationToken cancellationToken)
        {
            for (var n = 0; !cancellationToken.IsCancellationRequested; n++)
            {
                var known = completions.Keys.ToArray();
                if (known.Length == 0)
                {
                    await Task.Delay(5, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
                    continue;
                }

                var comment = $"r{round}-w{worker}-{n}";
                Interlocked.Increment(ref attemptedFeedback);
                try
                {
                    using var response = await PostFeedbackAsync(client, known[n % known.Length], comment, cancellationToken);
                    if (response.StatusCode == HttpStatusCode.Created)
                    {
                        feedback[(await Json.ReadAsync(response)).GetProperty("id").GetString()!] = comment;
                    }
                    else
                    {
                        unexpected.Enqueue($"feedback {comment}: HTTP {(int)response.StatusCode}");
                    }
                }
                catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Reads back every acknowledged feedback entry; returns how many it checked.</summary>
    private static async Task<int> VerifyFeedbackAsync(HttpClient client, KeyValuePair<string, string>[] feedback,
        List<string> lost)
    {
        foreach (var (id, comment) in feedback)
        {
            using var response = await client.GetAsync($"/v1/feedback/{id}");
            if (response.StatusCode != HttpStatusCode.OK
                || (await Json.ReadAsync(response)).GetProperty("comment").GetString() != comment)
            {
                lost.Add($"feedback {id} ({comment}): HTTP {(int)response.StatusCode}");
            }
        }

        return feedback.Length;
    }

    /// <summary>
    /// Rates every completion once more, which fails with 404 when its record was lost, and adds the new entries to
    /// <paramref name="feedback"/>. Returns the completions that could not be rated.
    /// </summary>
    private static async Task<List<(string Id, int Status)>> RateAgainAsync(HttpClient client, int round,
        string[] completionIds, ConcurrentDictionary<string, string> feedback)
    {
        var failed = new List<(string, int)>();
        foreach (var id in completionIds)
        {
            var comment = $"verify-r{round}-{id}";
            using var response = await PostFeedbackAsync(client, id, comment);
            if (response.StatusCode == HttpStatusCode.Created)
            {
                feedback[(await Json.ReadAsync(response)).GetProperty("id").GetString()!] = comment;
            }
            else
            {
                failed.Add((id, (int)response.StatusCode));
            }
        }

        return failed;
    }

    private static async Task<HttpResponseMessage> PostFeedbackAsync(HttpClient client, string completionId, string comment,
        CancellationToken cancellationToken = default) =>
        await client.PostAsync("/v1/feedback", Json.Content(new { completion_id = completionId, rating = "up", comment }),
            cancellationToken);

    private static async Task<long> CountFeedbackAsync(HttpClient client)
    {
        using var response = await client.GetAsync($"/v1/feedback/stats?window=1d&model={ModelName}");
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return 0;
        }

        return (await Json.ReadAsync(response)).GetProperty("total").GetInt64();
    }
}
