using System.Diagnostics;
using System.Threading.Channels;

namespace Gantry.Engine;

/// <summary>
/// One submitted request: its output stream and its cancellation. The engine's decode loop writes the
/// events; one reader (the HTTP handler) consumes them.
/// </summary>
public sealed class Generation
{
    private readonly Channel<GenerationEvent> _events = Channel.CreateUnbounded<GenerationEvent>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    private const int Queued = 0;
    private const int Admitted = 1;
    private const int CancelledWhileQueued = 2;

    private readonly Action<Generation> _onCancelledWhileQueued;
    private int _cancelled;
    private int _state;

    internal Generation(GenerationRequest request, Action<Generation> onCancelledWhileQueued)
    {
        Request = request;
        SubmittedAt = Stopwatch.GetTimestamp();
        _onCancelledWhileQueued = onCancelledWhileQueued;
    }

    /// <summary>The request as submitted.</summary>
    public GenerationRequest Request { get; }

    /// <summary>Text deltas followed by exactly one <see cref="GenerationFinished"/>.</summary>
    public ChannelReader<GenerationEvent> Events => _events.Reader;

    /// <summary>Whether <see cref="Cancel"/> was called.</summary>
    public bool IsCancelled => Volatile.Read(ref _cancelled) != 0;

    internal long SubmittedAt { get; }

    internal ChannelWriter<GenerationEvent> Writer => _events.Writer;

    /// <summary>
    /// Stops the sequence. A queued request leaves the queue at once; a running one has its KV cache space freed
    /// by the decode loop before the next decode step. Either way the stream ends with
    /// <see cref="FinishReason.Cancelled"/>. Safe to call from any thread, more than once.
    /// </summary>
    public void Cancel()
    {
        Interlocked.Exchange(ref _cancelled, 1);
        if (Interlocked.CompareExchange(ref _state, CancelledWhileQueued, Queued) == Queued)
        {
            _onCancelledWhileQueued(this);
        }
    }

    /// <summary>Marks the request as taken by the decode loop; false when it was cancelled while queued.</summary>
    internal bool TryAdmit() => Interlocked.CompareExchange(ref _state, Admitted, Queued) == Queued;
}
