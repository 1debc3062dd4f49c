using System.Data.Common;
using Gantry.Feedback;
using Gantry.Feedback.Stores;
using Gantry.Health;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gantry.Tests.Health;

public sealed class StoreHealthCheckTests
{
    [Fact]
    public async Task Check_StoreAnswers_Healthy()
    {
        var check = new StoreHealthCheck(new FakeStore(_ => Task.FromResult(0L)));

        var result = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal("fake store is reachable", result.Description);
    }

    [Fact]
    public async Task Check_QueryFails_UnhealthyWithReason()
    {
        var check = new StoreHealthCheck(new FakeStore(_ => throw new FakeDbException("connection refused")));

        var result = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal("fake store query failed: connection refused", result.Description);
    }

    [Fact]
    public async Task Check_StoreHangs_UnhealthyAfterTimeout()
    {
        var check = new StoreHealthCheck(new FakeStore(async token =>
        {
            await Task.Delay(Timeout.Infinite, token);
            return 0L;
        }));

        var result = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal("fake store did not respond within 3 s", result.Description);
    }

    [Fact]
    public async Task Check_CallerCancels_Throws()
    {
        var check = new StoreHealthCheck(new FakeStore(async token =>
        {
            await Task.Delay(Timeout.Infinite, token);
            return 0L;
        }));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => check.CheckHealthAsync(new HealthCheckContext(), cancelled.Token));
    }

    private sealed class FakeDbException(string message) : DbException(message);

    /// <summary>A store whose only working call is the outbox count that the health check uses.</summary>
    private sealed class FakeStore(Func<CancellationToken, Task<long>> countOutbox) : IFeedbackStore
    {
        public string Kind => "fake";

        public Task<long> CountOutboxBacklogAsync(CancellationToken cancellationToken) => countOutbox(cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        public Task MigrateAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<FeedbackWriteResult?>> ApplyBatchAsync(IReadOnlyList<StoreWrite> writes,
            CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<CompletionRecord?> GetCompletionAsync(string id, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<FeedbackEntry?> GetFeedbackAsync(string id, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<FeedbackStats> GetStatsAsync(DateTimeOffset since, string? model, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<FeedbackStats> GetStatsAsync(DateTimeOffset since, string? model, string? tenant,
            CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<long> GetExportHorizonAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<long> CountFeedbackAsync(long afterSeq, long uptoSeq, string? model, string? tenant, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public IAsyncEnumerable<SftExample> ReadSftExamplesAsync(long afterSeq, long uptoSeq, string? model, string? tenant,
            CancellationToken cancellationToken) => throw new NotSupportedException();

        public IAsyncEnumerable<DpoExample> ReadDpoExamplesAsync(long afterSeq, long uptoSeq, string? model, string? tenant,
            CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<int> DeleteRecordsBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<IReadOnlyList<ModelTrainingActivity>> GetTrainingActivityAsync(DateTimeOffset windowStart,
            long uptoSeq, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<bool> TryEnqueueRetrainingAsync(string model, long expectedLastSeq, long newLastSeq,
            OutboxMessage message, DateTimeOffset now, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<OutboxMessage?> ClaimOutboxAsync(DateTimeOffset now, DateTimeOffset leaseUntil,
            CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task MarkOutboxSentAsync(string id, DateTimeOffset now, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task MarkOutboxFailedAsync(string id, int attempts, DateTimeOffset nextAttempt, string error,
            CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
