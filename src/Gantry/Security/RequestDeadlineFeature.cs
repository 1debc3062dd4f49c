namespace Gantry.Security;

/// <summary>
/// The time limit of one request. The middleware starts it with the longer of the two limits; the inference
/// handler sets the limit that fits once it has parsed whether the request streams. The limit counts from arrival.
/// </summary>
public sealed class RequestDeadlineFeature(CancellationTokenSource source, long started, TimeProvider time)
{
    /// <summary>The limit in force.</summary>
    public TimeSpan Limit { get; private set; }

    /// <summary>Whether the limit ran out, as opposed to the client going away.</summary>
    public bool TimedOut => source.IsCancellationRequested && Expired;

    private bool Expired => time.GetElapsedTime(started) >= Limit;

    /// <summary>Sets the limit, counted from the request's arrival.</summary>
    public void SetLimit(TimeSpan limit)
    {
        Limit = limit;
        var remaining = limit - time.GetElapsedTime(started);
        try
        {
            source.CancelAfter(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
        }
        catch (ObjectDisposedException)
        {
            // The request already ended.
        }
    }
}
