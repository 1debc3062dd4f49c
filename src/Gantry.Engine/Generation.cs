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

    private int _cancelled;

    internal Generation(GenerationRequest request)
    {
        Request = request;
        SubmittedAt = Stopwatch.GetTimestamp();
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
    /// Stops the sequence. The decode loop frees its KV cache space before the next decode step and
    /// ends the stream with <see cref="FinishReason.Cancelled"/>. Safe to call from any thread, more than once.
    /// </summary>
    public void Cancel() => Interlocked.Exchange(ref _cancelled, 1);
}
