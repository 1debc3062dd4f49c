using Gantry.Hosting;

namespace Gantry.Tests.Hosting;

public sealed class DrainCoordinatorTests
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task Drain_NothingInFlight_ReturnsAtOnce()
    {
        var drain = new DrainCoordinator();

        var aborted = await drain.DrainAsync(Long, Long, CancellationToken.None);

        Assert.Equal(0, aborted);
        Assert.True(drain.IsDraining);
        Assert.False(drain.DeadlineReached.IsCancellationRequested);
    }

    [Fact]
    public async Task TryEnter_WhileDraining_Rejected()
    {
        var drain = new DrainCoordinator();
        await drain.DrainAsync(Long, Long, CancellationToken.None);

        var entered = drain.TryEnter();

        Assert.False(entered);
        Assert.Equal(0, drain.InFlight);
    }

    [Fact]
    public async Task Drain_RequestInFlight_WaitsForExit()
    {
        var drain = new DrainCoordinator();
        Assert.True(drain.TryEnter());

        var draining = drain.DrainAsync(Long, Long, CancellationToken.None);
        Assert.False(draining.IsCompleted);
        Assert.True(drain.IsDraining);
        drain.Exit();
        var aborted = await draining.WaitAsync(Long);

        Assert.Equal(0, aborted);
        Assert.False(drain.DeadlineReached.IsCancellationRequested);
    }

    [Fact]
    public async Task Drain_Timeout_CancelsDeadlineAndReportsCount()
    {
        var drain = new DrainCoordinator();
        Assert.True(drain.TryEnter());
        Assert.True(drain.TryEnter());
        drain.DeadlineReached.Register(() =>
        {
            drain.Exit();
            drain.Exit();
        });

        var aborted = await drain.DrainAsync(TimeSpan.Zero, Long, CancellationToken.None);

        Assert.Equal(2, aborted);
        Assert.True(drain.DeadlineReached.IsCancellationRequested);
        Assert.Equal(0, drain.InFlight);
    }

    [Fact]
    public async Task Drain_ConcurrentEntries_EveryAcceptedRequestAwaited()
    {
        var drain = new DrainCoordinator();
        var accepted = 0;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var requests = Enumerable.Range(0, 200).Select(_ => Task.Run(async () =>
        {
            if (!drain.TryEnter())
            {
                return;
            }

            Interlocked.Increment(ref accepted);
            await release.Task;
            drain.Exit();
        })).ToArray();

        var draining = drain.DrainAsync(Long, Long, CancellationToken.None);
        release.SetResult();
        await Task.WhenAll(requests);
        var aborted = await draining.WaitAsync(Long);

        Assert.Equal(0, aborted);
        Assert.Equal(0, drain.InFlight);
        Assert.False(drain.TryEnter());
    }
}
