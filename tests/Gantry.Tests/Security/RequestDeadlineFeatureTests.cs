using Gantry.Security;

namespace Gantry.Tests.Security;

public sealed class RequestDeadlineFeatureTests
{
    [Fact]
    public async Task TimerBeforeClock_CountsAsTimedOut()
    {
        // The timer of a deadline may fire a little before a clock read shows the limit has passed, because timers
        // count whole milliseconds and timestamps are finer. This provider's clock never moves while its timers fire.
        var time = new StoppedClockTimeProvider();
        using var feature = new RequestDeadlineFeature(time.GetTimestamp(), time);
        var expired = new TaskCompletionSource();
        using var registration = feature.Expired.Register(() => expired.SetResult());

        feature.SetLimit(TimeSpan.FromSeconds(0.5));
        await expired.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(feature.TimedOut);
        Assert.Equal(TimeSpan.FromSeconds(0.5), feature.Limit);
    }

    [Fact]
    public void LimitNotReached_IsNotTimedOut()
    {
        using var feature = new RequestDeadlineFeature(TimeProvider.System.GetTimestamp(), TimeProvider.System);

        feature.SetLimit(TimeSpan.FromHours(1));

        Assert.False(feature.TimedOut);
        Assert.False(feature.Expired.IsCancellationRequested);
    }

    [Fact]
    public void LimitAlreadyPassed_TimesOutAtOnce()
    {
        var started = TimeProvider.System.GetTimestamp() - TimeProvider.System.TimestampFrequency * 10;
        using var feature = new RequestDeadlineFeature(started, TimeProvider.System);

        feature.SetLimit(TimeSpan.FromSeconds(1));

        Assert.True(feature.Expired.WaitHandle.WaitOne(TimeSpan.FromSeconds(30)));
        Assert.True(feature.TimedOut);
    }

    /// <summary>A time provider whose timestamp stays at zero and whose timers fire on the thread pool at once.</summary>
    private sealed class StoppedClockTimeProvider : TimeProvider
    {
        public override long GetTimestamp() => 0;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            new ImmediateTimer(callback, state, dueTime);

        private sealed class ImmediateTimer : ITimer
        {
            private readonly TimerCallback _callback;
            private readonly object? _state;

            public ImmediateTimer(TimerCallback callback, object? state, TimeSpan dueTime)
            {
                _callback = callback;
                _state = state;
                Change(dueTime, Timeout.InfiniteTimeSpan);
            }

            public bool Change(TimeSpan dueTime, TimeSpan period)
            {
                if (dueTime != Timeout.InfiniteTimeSpan)
                {
                    ThreadPool.QueueUserWorkItem(_ => _callback(_state));
                }

                return true;
            }

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}
