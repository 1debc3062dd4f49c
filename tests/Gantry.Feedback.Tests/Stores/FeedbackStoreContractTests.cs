using Gantry.Feedback.Hosting;
using Gantry.Feedback.Stores;
using Gantry.Feedback.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Gantry.Feedback.Tests.Stores;

/// <summary>Store behavior that both databases must share; run by <see cref="SqliteFeedbackStoreTests"/> and <see cref="PostgresFeedbackStoreTests"/>.</summary>
public abstract class FeedbackStoreContractTests : IAsyncLifetime
{
    private StoreTarget? _target;

    /// <summary>Whether the tests run on PostgreSQL rather than SQLite.</summary>
    protected abstract bool UsePostgres { get; }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_target is not null)
        {
            await _target.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task Migrate_ConcurrentlyFromSeveralStores_AppliesOnce()
    {
        var target = await CreateTargetAsync();

        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => target.OpenStoreAsync()));
        await Task.WhenAll(stores.Select(s => s.MigrateAsync(CancellationToken.None)));
        await using var harness = FeedbackHarness.Create(stores[0]);
        await harness.RecordAsync(Records.Completion("chatcmpl-1"));

        Assert.NotNull(await stores[3].GetCompletionAsync("chatcmpl-1", CancellationToken.None));
    }

    [SkippableFact]
    public async Task Completion_RoundTrip_KeepsEveryField()
    {
        var target = await CreateTargetAsync();
        var store = await target.OpenStoreAsync();
        await using var harness = FeedbackHarness.Create(store);
        var record = Records.Completion("chatcmpl-rt", "m", "Hi \"there\" ü", "Hello") with { Tenant = "t1", KeyId = "k1" };

        await harness.RecordAsync(record);
        await harness.RecordAsync(record with { Model = "other" });
        var stored = await store.GetCompletionAsync("chatcmpl-rt", CancellationToken.None);

        Assert.Equal(record, stored);
    }

    [SkippableFact]
    public async Task Recorder_MetadataCapture_StoresNoText()
    {
        var target = await CreateTargetAsync();
        var store = await target.OpenStoreAsync();
        await using var harness = FeedbackHarness.Create(store, options: new FeedbackOptions { Capture = CaptureMode.Metadata });

        await harness.RecordAsync(Records.Completion("chatcmpl-meta"));
        var stored = await store.GetCompletionAsync("chatcmpl-meta", CancellationToken.None);

        Assert.NotNull(stored);
        Assert.Null(stored.Messages);
        Assert.Null(stored.Completion);
        Assert.Equal(12, stored.PromptTokens);
    }

    [SkippableFact]
    public async Task Recorder_CaptureOff_StoresNothing()
    {
        var target = await CreateTargetAsync();
        var store = await target.OpenStoreAsync();
        await using var harness = FeedbackHarness.Create(store, options: new FeedbackOptions { Capture = CaptureMode.Off });

        await harness.RecordAsync(Records.Completion("chatcmpl-off"));

        Assert.Null(await store.GetCompletionAsync("chatcmpl-off", CancellationToken.None));
    }

    [SkippableFact]
    public async Task GroupCommit_ConcurrentWrites_AllDurableAfterReopen()
    {
        var target = await CreateTargetAsync();
        var ids = new List<string>();
        await using (var harness = FeedbackHarness.Create(await target.OpenStoreAsync()))
        {
            await Task.WhenAll(Enumerable.Range(0, 20).Select(i => harness.RecordAsync(Records.Completion($"chatcmpl-{i}"))));
            var entries = await Task.WhenAll(Enumerable.Range(0, 400).Select(i => harness.SubmitAsync(
                i % 3 == 0 ? Records.Down($"chatcmpl-{i % 20}") : Records.Up($"chatcmpl-{i % 20}"))));
            ids.AddRange(entries.Select(e => e.Id));
        }

        var reopened = await target.OpenStoreAsync();
        var stats = await reopened.GetStatsAsync(DateTimeOffset.UnixEpoch, null, CancellationToken.None);
        var found = await Task.WhenAll(ids.Select(id => reopened.GetFeedbackAsync(id, CancellationToken.None)));

        Assert.Equal(400, ids.Distinct().Count());
        Assert.Equal(400, stats.Models.Single().Total);
        Assert.Equal(134, stats.Models.Single().Down);
        Assert.All(found, Assert.NotNull);
    }

    [SkippableFact]
    public async Task GroupCommit_BadWriteInBatch_FailsAlone()
    {
        var target = await CreateTargetAsync();
        var store = await target.OpenStoreAsync();
        await using var harness = FeedbackHarness.Create(store);
        await harness.RecordAsync(Records.Completion("chatcmpl-ok"));

        // A record without a model violates NOT NULL, so its transaction fails; the good writes queued beside it
        // must still be stored.
        var bad = harness.Writer.WriteAsync(new CompletionWrite(Records.Completion("chatcmpl-bad") with { Model = null! }, null), CancellationToken.None);
        var good = Enumerable.Range(0, 50).Select(_ => harness.Service.SubmitAsync(Records.Up("chatcmpl-ok"), null, null, CancellationToken.None)).ToArray();

        await Assert.ThrowsAnyAsync<Exception>(() => bad);
        var results = await Task.WhenAll(good);
        var stats = await store.GetStatsAsync(DateTimeOffset.UnixEpoch, null, CancellationToken.None);

        Assert.All(results, r => Assert.Equal(FeedbackWriteStatus.Created, r.Status));
        Assert.Equal(50, stats.Models.Single().Up);
    }

    [SkippableFact]
    public async Task Idempotency_ConcurrentStoresSameKey_StoreOnce()
    {
        var target = await CreateTargetAsync();
        await using var first = FeedbackHarness.Create(await target.OpenStoreAsync());
        await using var second = FeedbackHarness.Create(await target.OpenStoreAsync());
        await first.RecordAsync(Records.Completion("chatcmpl-idem"));

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            (i % 2 == 0 ? first : second).Service.SubmitAsync(Records.Up("chatcmpl-idem"), "key", "hash", CancellationToken.None)));
        var stats = await first.Store.GetStatsAsync(DateTimeOffset.UnixEpoch, null, CancellationToken.None);

        Assert.Single(results, r => r.Status == FeedbackWriteStatus.Created);
        Assert.Single(results.Select(r => r.Entry!.Id).Distinct());
        Assert.Equal(1, stats.Models.Single().Total);
    }

    [SkippableFact]
    public async Task Retention_Sweep_DeletesOldRecordsAndTheirFeedback()
    {
        var target = await CreateTargetAsync();
        var store = await target.OpenStoreAsync();
        var clock = new FakeTimeProvider(Records.Epoch);
        var options = new FeedbackOptions { Capture = CaptureMode.Full, RecordRetentionDays = 30 };
        await using var harness = FeedbackHarness.Create(store, clock, options);
        await harness.RecordAsync(Records.Completion("chatcmpl-old", created: Records.Epoch - TimeSpan.FromDays(31)));
        await harness.RecordAsync(Records.Completion("chatcmpl-new", created: Records.Epoch - TimeSpan.FromDays(29)));
        var oldFeedback = await harness.SubmitAsync(Records.Up("chatcmpl-old"));
        var newFeedback = await harness.SubmitAsync(Records.Up("chatcmpl-new"));
        var service = new RecordRetentionService(store, harness.Options, clock, NullLogger<RecordRetentionService>.Instance);

        var deleted = await service.SweepAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromDays(2));
        var deletedLater = await service.SweepAsync(CancellationToken.None);

        Assert.Equal(1, deleted);
        Assert.Equal(1, deletedLater);
        Assert.Null(await store.GetCompletionAsync("chatcmpl-old", CancellationToken.None));
        Assert.Null(await store.GetFeedbackAsync(oldFeedback.Id, CancellationToken.None));
        Assert.Null(await store.GetFeedbackAsync(newFeedback.Id, CancellationToken.None));
    }

    [SkippableFact]
    public async Task Retention_BackgroundService_SweepsOnTimer()
    {
        var target = await CreateTargetAsync();
        var store = await target.OpenStoreAsync();
        var clock = new FakeTimeProvider(Records.Epoch);
        await using var harness = FeedbackHarness.Create(store, clock);
        await harness.RecordAsync(Records.Completion("chatcmpl-aging", created: Records.Epoch - TimeSpan.FromDays(29.5)));
        using var service = new RecordRetentionService(store, harness.Options, clock, NullLogger<RecordRetentionService>.Instance);

        await service.StartAsync(CancellationToken.None);
        await Poll.UntilAsync(async () =>
        {
            clock.Advance(TimeSpan.FromHours(1));
            return await store.GetCompletionAsync("chatcmpl-aging", CancellationToken.None) is null;
        });
        await service.StopAsync(CancellationToken.None);

        Assert.True(clock.GetUtcNow() - Records.Epoch >= TimeSpan.FromHours(12));
    }

    [SkippableFact]
    public async Task Stats_TenantFilter_CountsOnlyThatTenant()
    {
        var target = await CreateTargetAsync();
        var store = await target.OpenStoreAsync();
        await using var harness = FeedbackHarness.Create(store);
        await harness.RecordAsync(Records.Completion("chatcmpl-t1") with { Tenant = "t1", KeyId = "k1" });
        await harness.RecordAsync(Records.Completion("chatcmpl-t2") with { Tenant = "t2", KeyId = "k2" });
        await harness.RecordAsync(Records.Completion("chatcmpl-none"));
        await harness.Service.SubmitAsync(Records.Up("chatcmpl-t1"), null, null, CancellationToken.None);
        await harness.Service.SubmitAsync(Records.Up("chatcmpl-t1"), null, null, CancellationToken.None);
        await harness.Service.SubmitAsync(Records.Down("chatcmpl-t2"), null, null, CancellationToken.None);
        await harness.Service.SubmitAsync(Records.Up("chatcmpl-none"), null, null, CancellationToken.None);

        var t1 = await store.GetStatsAsync(DateTimeOffset.UnixEpoch, null, "t1", CancellationToken.None);
        var t2 = await store.GetStatsAsync(DateTimeOffset.UnixEpoch, null, "t2", CancellationToken.None);
        var other = await store.GetStatsAsync(DateTimeOffset.UnixEpoch, null, "t3", CancellationToken.None);
        var all = await store.GetStatsAsync(DateTimeOffset.UnixEpoch, null, null, CancellationToken.None);

        Assert.Equal(2, t1.Models.Single().Up);
        Assert.Equal(0, t1.Models.Single().Down);
        Assert.Equal(1, t2.Models.Single().Down);
        Assert.Equal(0, t2.Models.Single().Up);
        Assert.Empty(other.Models);
        Assert.Equal(4, all.Models.Single().Total);
    }

    private async Task<StoreTarget> CreateTargetAsync()
    {
        _target = await StoreTarget.CreateAsync(UsePostgres);
        return _target;
    }
}

/// <summary>The store contract on SQLite.</summary>
public sealed class SqliteFeedbackStoreTests : FeedbackStoreContractTests
{
    protected override bool UsePostgres => false;
}

/// <summary>The store contract on PostgreSQL.</summary>
public sealed class PostgresFeedbackStoreTests : FeedbackStoreContractTests
{
    protected override bool UsePostgres => true;
}
