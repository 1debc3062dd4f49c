using System.Text.Json;
using Gantry.Feedback.Datasets;
using Gantry.Feedback.Retraining;
using Gantry.Feedback.Stores;
using Gantry.Feedback.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Gantry.Feedback.Tests.Retraining;

/// <summary>The retraining trigger and outbox delivery against a webhook on 127.0.0.1, run once per database.</summary>
public abstract class RetrainingContractTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(Records.Epoch);
    private readonly List<IAsyncDisposable> _disposables = [];
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false });
    private StoreTarget? _target;

    /// <summary>Whether the tests run on PostgreSQL rather than SQLite.</summary>
    protected abstract bool UsePostgres { get; }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _disposables.Reverse();
        foreach (var disposable in _disposables)
        {
            await disposable.DisposeAsync();
        }

        if (_target is not null)
        {
            await _target.DisposeAsync();
        }

        _http.Dispose();
    }

    [SkippableFact]
    public async Task Crossing_ReceiverFailsAndSenderRestarts_DeliversOneEvent()
    {
        var receiver = await StartReceiverAsync(failFirst: 2);
        var options = Options(receiver.Url, minNewExamples: 3);
        var harness = await OpenHarnessAsync(options);
        await SeedAsync(harness, "c", 3, FeedbackRating.Down);

        var enqueued = await Trigger(harness).EvaluateAsync(CancellationToken.None);
        var enqueuedAgain = await Trigger(harness).EvaluateAsync(CancellationToken.None);
        var firstPass = await Sender(harness.Store, options).SendDueAsync(CancellationToken.None);

        // A new process: new store instance and sender, same database.
        var restartedStore = await _target!.OpenStoreAsync();
        var restarted = Sender(restartedStore, options);
        var beforeBackoff = await restarted.SendDueAsync(CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(2));
        var secondPass = await restarted.SendDueAsync(CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(3));
        var tooEarly = await restarted.SendDueAsync(CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(1));
        var thirdPass = await restarted.SendDueAsync(CancellationToken.None);
        _clock.Advance(TimeSpan.FromHours(1));
        var afterDelivery = await restarted.SendDueAsync(CancellationToken.None);
        var requests = receiver.Requests.ToArray();
        var events = requests.Select(r => JsonDocument.Parse(r.Body).RootElement).ToArray();
        var data = events[^1].GetProperty("data");

        Assert.Single(enqueued);
        Assert.Empty(enqueuedAgain);
        Assert.Equal([0, 0, 0, 0, 1, 0], new[] { firstPass, beforeBackoff, secondPass, tooEarly, thirdPass, afterDelivery });
        Assert.Equal([503, 503, 204], requests.Select(r => r.Status).ToArray());
        Assert.All(requests, r => Assert.StartsWith("application/cloudevents+json", r.ContentType));
        Assert.All(requests, r => Assert.Equal(requests[0].Body, r.Body));
        Assert.Equal(enqueued[0], events[0].GetProperty("id").GetString());
        Assert.Equal("1.0", events[0].GetProperty("specversion").GetString());
        Assert.Equal("dev.gantry.retraining.requested", events[0].GetProperty("type").GetString());
        Assert.Equal("/gantry/feedback", events[0].GetProperty("source").GetString());
        Assert.Equal("application/json", events[0].GetProperty("datacontenttype").GetString());
        Assert.Equal("2026-12-01T12:00:00.000Z", events[0].GetProperty("time").GetString());
        Assert.Equal("tiny", data.GetProperty("model").GetString());
        Assert.Equal(3, data.GetProperty("new_examples").GetInt64());
        Assert.Equal(0, data.GetProperty("watermark").GetProperty("from_seq").GetInt64());
        Assert.Equal(3, data.GetProperty("watermark").GetProperty("to_seq").GetInt64());
        Assert.Equal(3, data.GetProperty("window").GetProperty("down").GetInt64());
        Assert.Equal(3, data.GetProperty("rows").GetProperty("sft").GetInt64());
        Assert.Equal(3, File.ReadAllLines(data.GetProperty("dataset").GetProperty("sft").GetString()!).Length);
        Assert.Equal(3, File.ReadAllLines(data.GetProperty("dataset").GetProperty("dpo").GetString()!).Length);
        Assert.Equal(0, await restartedStore.CountOutboxBacklogAsync(CancellationToken.None));
    }

    [SkippableFact]
    public async Task Crossing_SecondCrossing_EnqueuesSecondEvent()
    {
        var receiver = await StartReceiverAsync(failFirst: 0);
        var options = Options(receiver.Url, minNewExamples: 2);
        var harness = await OpenHarnessAsync(options);
        await SeedAsync(harness, "a", 2, FeedbackRating.Up);
        var first = await Trigger(harness).EvaluateAsync(CancellationToken.None);
        await SeedAsync(harness, "b", 1, FeedbackRating.Up);
        var notYet = await Trigger(harness).EvaluateAsync(CancellationToken.None);
        await SeedAsync(harness, "c", 1, FeedbackRating.Up);
        var second = await Trigger(harness).EvaluateAsync(CancellationToken.None);

        var delivered = await Sender(harness.Store, options).SendDueAsync(CancellationToken.None);
        var ids = receiver.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("id").GetString()!).ToArray();

        Assert.Single(first);
        Assert.Empty(notYet);
        Assert.Single(second);
        Assert.NotEqual(first[0], second[0]);
        Assert.Equal(2, delivered);
        Assert.Equal([first[0], second[0]], ids);
    }

    [SkippableFact]
    public async Task Crossing_ConcurrentTriggersOnTwoReplicas_EnqueueOnce()
    {
        var options = Options(new Uri("http://127.0.0.1:9/hook"), minNewExamples: 5);
        var harness = await OpenHarnessAsync(options);
        await SeedAsync(harness, "c", 5, FeedbackRating.Down);
        var replicas = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
            new RetrainingTrigger(await _target!.OpenStoreAsync(), new DatasetExporter(harness.Store, _clock), harness.Options, _clock,
                NullLogger<RetrainingTrigger>.Instance)));

        var results = await Task.WhenAll(replicas.Select(r => r.EvaluateAsync(CancellationToken.None)));

        Assert.Single(results.SelectMany(r => r));
        Assert.Equal(1, await harness.Store.CountOutboxBacklogAsync(CancellationToken.None));
    }

    [SkippableFact]
    public async Task Crossing_DownRatioBelowThreshold_DoesNotTrigger()
    {
        var options = Options(new Uri("http://127.0.0.1:9/hook"), minNewExamples: 2, downRatio: 0.5);
        var harness = await OpenHarnessAsync(options);
        await SeedAsync(harness, "u", 3, FeedbackRating.Up);
        await SeedAsync(harness, "d", 2, FeedbackRating.Down);

        var belowThreshold = await Trigger(harness).EvaluateAsync(CancellationToken.None);
        await SeedAsync(harness, "e", 1, FeedbackRating.Down);
        var atThreshold = await Trigger(harness).EvaluateAsync(CancellationToken.None);

        Assert.Empty(belowThreshold);
        Assert.Single(atThreshold);
    }

    [SkippableFact]
    public async Task Crossing_OldRatingsOutsideWindow_DoNotCountTowardRatio()
    {
        var options = Options(new Uri("http://127.0.0.1:9/hook"), minNewExamples: 2, downRatio: 0.5);
        var harness = await OpenHarnessAsync(options);
        await SeedAsync(harness, "d", 4, FeedbackRating.Down);
        _clock.Advance(TimeSpan.FromHours(25));
        await SeedAsync(harness, "u", 2, FeedbackRating.Up);

        var result = await Trigger(harness).EvaluateAsync(CancellationToken.None);

        Assert.Empty(result);
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 4)]
    [InlineData(5, 32)]
    [InlineData(20, 600)]
    public void RetryDelay_DoublesUpToMaximum(int attempts, double expectedSeconds)
    {
        var delay = OutboxSender.RetryDelay(new RetrainingOptions(), attempts);

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), delay);
    }

    private static FeedbackOptions Options(Uri webhook, int minNewExamples, double? downRatio = null) => new()
    {
        Capture = CaptureMode.Full,
        Retraining = new RetrainingOptions
        {
            MinNewExamples = minNewExamples,
            DownRatioThreshold = downRatio,
            WebhookUrl = webhook.ToString(),
            InitialRetryDelaySeconds = 2,
        },
    };

    private async Task<WebhookReceiver> StartReceiverAsync(int failFirst)
    {
        var receiver = await WebhookReceiver.StartAsync(failFirst);
        _disposables.Add(receiver);
        return receiver;
    }

    private async Task<FeedbackHarness> OpenHarnessAsync(FeedbackOptions options)
    {
        _target = await StoreTarget.CreateAsync(UsePostgres);
        options.DataDir = _target.Directory.Path;
        var harness = FeedbackHarness.Create(await _target.OpenStoreAsync(), _clock, options);
        _disposables.Add(harness);
        return harness;
    }

    private static async Task SeedAsync(FeedbackHarness harness, string prefix, int count, FeedbackRating rating)
    {
        for (var i = 0; i < count; i++)
        {
            var id = $"{prefix}{i}";
            await harness.RecordAsync(Records.Completion(id, prompt: $"prompt {id}", answer: $"answer {id}"));
            await harness.SubmitAsync(rating == FeedbackRating.Up ? Records.Up(id) : Records.Down(id, correction: $"fixed {id}"));
        }
    }

    private RetrainingTrigger Trigger(FeedbackHarness harness) =>
        new(harness.Store, new DatasetExporter(harness.Store, _clock), harness.Options, _clock, NullLogger<RetrainingTrigger>.Instance);

    private OutboxSender Sender(IFeedbackStore store, FeedbackOptions options) =>
        new(store, _http, Microsoft.Extensions.Options.Options.Create(options), _clock, NullLogger<OutboxSender>.Instance);
}

/// <summary>Retraining on SQLite.</summary>
public sealed class SqliteRetrainingTests : RetrainingContractTests
{
    protected override bool UsePostgres => false;
}

/// <summary>Retraining on PostgreSQL.</summary>
public sealed class PostgresRetrainingTests : RetrainingContractTests
{
    protected override bool UsePostgres => true;
}
