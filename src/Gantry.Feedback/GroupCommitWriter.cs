using System.Threading.Channels;
using Gantry.Feedback.Stores;
using Microsoft.Extensions.Logging;

namespace Gantry.Feedback;

/// <summary>
/// Feeds writes from many callers through one loop that commits them in shared transactions: while one
/// transaction commits, the next writes queue up and go into the following one, so one fsync covers many callers.
/// </summary>
/// <remarks>
/// Thread safe. A caller's task completes after the transaction holding its write has committed. When a batch
/// fails, its writes are retried one per transaction so that one bad write does not fail the others.
/// </remarks>
public sealed partial class GroupCommitWriter : IAsyncDisposable
{
    /// <summary>Default maximum number of writes in one transaction.</summary>
    public const int DefaultMaxBatchSize = 256;

    private readonly IFeedbackStore _store;
    private readonly ILogger<GroupCommitWriter> _logger;
    private readonly int _maxBatchSize;
    private readonly Channel<PendingWrite> _channel;
    private readonly Task _loop;

    /// <summary>Starts the writer loop over <paramref name="store"/>.</summary>
    public GroupCommitWriter(IFeedbackStore store, ILogger<GroupCommitWriter> logger, int maxBatchSize = DefaultMaxBatchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchSize, 1);
        _store = store;
        _logger = logger;
        _maxBatchSize = maxBatchSize;

        // Bounded so that a stalled database pushes back on callers instead of growing memory without limit.
        _channel = Channel.CreateBounded<PendingWrite>(new BoundedChannelOptions(maxBatchSize * 16)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Queues <paramref name="write"/> and completes once it is committed.</summary>
    /// <returns>The store's result for a <see cref="FeedbackWrite"/>, null for a <see cref="CompletionWrite"/>.</returns>
    /// <exception cref="ObjectDisposedException">The writer was disposed.</exception>
    /// <remarks>
    /// Cancelling stops the wait but not the write: a write already queued may still be committed.
    /// </remarks>
    public async Task<FeedbackWriteResult?> WriteAsync(StoreWrite write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        var pending = new PendingWrite(write);
        try
        {
            await _channel.Writer.WriteAsync(pending, cancellationToken);
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(nameof(GroupCommitWriter));
        }

        return await pending.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Stops taking writes, commits those already queued and stops the loop.</summary>
    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        await _loop;
    }

    private async Task RunAsync()
    {
        var reader = _channel.Reader;
        var batch = new List<PendingWrite>(_maxBatchSize);
        while (await reader.WaitToReadAsync())
        {
            while (batch.Count < _maxBatchSize && reader.TryRead(out var pending))
            {
                batch.Add(pending);
            }

            await CommitAsync(batch);
            batch.Clear();
        }
    }

    private async Task CommitAsync(List<PendingWrite> batch)
    {
        try
        {
            var results = await _store.ApplyBatchAsync(batch.ConvertAll(p => p.Write), CancellationToken.None);
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Completion.TrySetResult(results[i]);
            }

            return;
        }
        catch (Exception ex) when (batch.Count > 1)
        {
            LogBatchFailed(_logger, ex, batch.Count);
        }
        catch (Exception ex)
        {
            LogWriteFailed(_logger, ex);
            batch[0].Completion.TrySetException(ex);
            return;
        }

        foreach (var pending in batch)
        {
            try
            {
                var results = await _store.ApplyBatchAsync([pending.Write], CancellationToken.None);
                pending.Completion.TrySetResult(results[0]);
            }
            catch (Exception ex)
            {
                LogWriteFailed(_logger, ex);
                pending.Completion.TrySetException(ex);
            }
        }
    }

    [LoggerMessage(EventId = 5000, EventName = "FeedbackBatchFailed", Level = LogLevel.Warning,
        Message = "Group commit of {Count} writes failed; retrying them one per transaction")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = 5001, EventName = "FeedbackWriteFailed", Level = LogLevel.Error,
        Message = "Feedback store write failed")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception);

    private sealed class PendingWrite(StoreWrite write)
    {
        public StoreWrite Write { get; } = write;

        public TaskCompletionSource<FeedbackWriteResult?> Completion { get; } =
            new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
