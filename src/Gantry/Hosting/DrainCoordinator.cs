namespace Gantry.Hosting;

/// <summary>
/// Counts the inference requests in flight and signals them when the server drains and when the drain
/// deadline has passed. Thread-safe.
/// </summary>
public sealed class DrainCoordinator
{
    private readonly CancellationTokenSource _deadline = new();
    private readonly TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _inFlight;
    private int _draining;

    /// <summary>Whether the server has started draining; new inference requests are rejected from then on.</summary>
    public bool IsDraining => Volatile.Read(ref _draining) != 0;

    /// <summary>Inference requests being served now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Cancelled when the drain timeout has passed; requests still running then abort.</summary>
    public CancellationToken DeadlineReached => _deadline.Token;

    /// <summary>
    /// Counts a new inference request, or returns false without counting it when the server drains.
    /// Every true result must be paired with one <see cref="Exit"/>.
    /// </summary>
    public bool TryEnter()
    {
        Interlocked.Increment(ref _inFlight);
        if (IsDraining)
        {
            Exit();
            return false;
        }

        return true;
    }

    /// <summary>Ends a request counted by <see cref="TryEnter"/>.</summary>
    public void Exit()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0 && IsDraining)
        {
            _idle.TrySetResult();
        }
    }

    /// <summary>
    /// Starts draining and waits until no request is in flight or <paramref name="timeout"/> has passed. At the
    /// timeout it cancels <see cref="DeadlineReached"/> and waits up to <paramref name="abortGrace"/> more for the
    /// aborted requests to write their error and end. Returns the requests still in flight at the timeout.
    /// </summary>
    public async Task<int> DrainAsync(TimeSpan timeout, TimeSpan abortGrace, CancellationToken cancellationToken)
    {
        // Interlocked.Exchange is a full fence: a request that increments after this point sees the flag, and
        // this thread sees every increment made before it.
        Interlocked.Exchange(ref _draining, 1);
        if (InFlight == 0)
        {
            _idle.TrySetResult();
        }

        if (await WaitIdleAsync(timeout, cancellationToken))
        {
            return 0;
        }

        var remaining = InFlight;
        await _deadline.CancelAsync();
        await WaitIdleAsync(abortGrace, cancellationToken);
        return remaining;
    }

    private async Task<bool> WaitIdleAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await _idle.Task.WaitAsync(timeout, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}
