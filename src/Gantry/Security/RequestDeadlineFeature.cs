namespace Gantry.Security;

/// <summary>
/// The time limit of one request. The middleware starts it with the longer of the two limits; the inference
/// handler sets the limit that fits once it has parsed whether the request streams. The limit counts from arrival.
/// </summary>
public sealed class RequestDeadlineFeature : IDisposable
{
    private readonly CancellationTokenSource _expiry;
    private readonly long _started;
    private readonly TimeProvider _time;

    /// <summary>Creates a deadline for a request that arrived at <paramref name="started"/>, a timestamp of <paramref name="time"/>.</summary>
    public RequestDeadlineFeature(long started, TimeProvider time)
    {
        _started = started;
        _time = time;
        _expiry = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
    }

    /// <summary>The limit in force.</summary>
    public TimeSpan Limit { get; private set; }

    /// <summary>A token cancelled when the limit runs out, and only then.</summary>
    public CancellationToken Expired => _expiry.Token;

    /// <summary>Whether the limit ran out, as opposed to the client going away.</summary>
    public bool TimedOut => _expiry.IsCancellationRequested;

    /// <summary>Sets the limit, counted from the request's arrival.</summary>
    public void SetLimit(TimeSpan limit)
    {
        Limit = limit;
        var remaining = limit - _time.GetElapsedTime(_started);
        try
        {
            _expiry.CancelAfter(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
        }
        catch (ObjectDisposedException)
        {
            // The request already ended.
        }
    }

    /// <inheritdoc />
    public void Dispose() => _expiry.Dispose();
}
