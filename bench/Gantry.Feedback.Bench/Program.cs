// Measures acknowledged feedback per second: concurrent clients submit feedback through the group commit, and a
// submission counts once its transaction is durable. Run it with Release builds, as bench/Gantry.Feedback.Bench/README.md shows.
using System.Diagnostics;
using System.Globalization;
using Gantry.Feedback;
using Gantry.Feedback.Stores;
using Gantry.Feedback.Stores.Postgres;
using Gantry.Feedback.Stores.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

var store = Argument(args, "--store") ?? "sqlite";
var concurrency = int.Parse(Argument(args, "--concurrency") ?? "64", CultureInfo.InvariantCulture);
var seconds = double.Parse(Argument(args, "--seconds") ?? "5", CultureInfo.InvariantCulture);
var maxBatch = int.Parse(Argument(args, "--max-batch") ?? GroupCommitWriter.DefaultMaxBatchSize.ToString(CultureInfo.InvariantCulture),
    CultureInfo.InvariantCulture);
var database = Argument(args, "--database") ?? Environment.GetEnvironmentVariable("GANTRY_TEST_POSTGRES");
var dataDir = Path.Combine(Path.GetTempPath(), "gantry-feedback-bench-" + Guid.NewGuid().ToString("N"));

IFeedbackStore feedbackStore = store switch
{
    "sqlite" => new SqliteFeedbackStore(dataDir),
    "postgres" when !string.IsNullOrWhiteSpace(database) => new PostgresFeedbackStore(database),
    _ => throw new ArgumentException("--store must be sqlite, or postgres with --database or GANTRY_TEST_POSTGRES set."),
};

await feedbackStore.MigrateAsync(CancellationToken.None);
var writer = new GroupCommitWriter(feedbackStore, NullLogger<GroupCommitWriter>.Instance, maxBatch);
var service = new FeedbackService(feedbackStore, writer, TimeProvider.System);
var recorder = new StoreCompletionRecorder(writer, Microsoft.Extensions.Options.Options.Create(new FeedbackOptions { Capture = CaptureMode.Full }));
var run = Guid.NewGuid().ToString("N")[..8];
for (var i = 0; i < concurrency; i++)
{
    await recorder.RecordAsync(new CompletionRecord
    {
        Id = $"chatcmpl-bench-{run}-{i}",
        Created = DateTimeOffset.UtcNow,
        Model = "bench",
        Endpoint = "chat",
        Messages = """[{"role":"user","content":"benchmark prompt"}]""",
        Completion = "benchmark answer",
    }, CancellationToken.None);
}

var latencies = new List<double>[concurrency];
var stopAt = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
var started = Stopwatch.GetTimestamp();
await Task.WhenAll(Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
{
    var mine = latencies[worker] = [];
    var submission = new FeedbackSubmission { CompletionId = $"chatcmpl-bench-{run}-{worker}", Rating = FeedbackRating.Up, Comment = "bench" };
    while (Stopwatch.GetTimestamp() < stopAt)
    {
        var begin = Stopwatch.GetTimestamp();
        var result = await service.SubmitAsync(submission, null, null, CancellationToken.None);
        if (result.Status != FeedbackWriteStatus.Created)
        {
            throw new InvalidOperationException($"Submission failed with {result.Status}.");
        }

        mine.Add(Stopwatch.GetElapsedTime(begin).TotalMilliseconds);
    }
})));
var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
await writer.DisposeAsync();
await feedbackStore.DisposeAsync();
if (Directory.Exists(dataDir))
{
    Directory.Delete(dataDir, recursive: true);
}

var all = latencies.SelectMany(l => l).Order().ToArray();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"store={store} concurrency={concurrency} max_batch={maxBatch} seconds={elapsed:F1} acknowledged={all.Length} " +
    $"per_second={all.Length / elapsed:F0} p50_ms={Percentile(all, 0.50):F2} p99_ms={Percentile(all, 0.99):F2}"));
return 0;

static string? Argument(string[] args, string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[(int)Math.Min(sorted.Length - 1, p * sorted.Length)];
