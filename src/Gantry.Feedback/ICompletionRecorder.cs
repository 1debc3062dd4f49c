namespace Gantry.Feedback;

/// <summary>Stores completion records so that feedback can refer to them.</summary>
public interface ICompletionRecorder
{
    /// <summary>
    /// Stores <paramref name="record"/> according to the configured <see cref="CaptureMode"/> and completes
    /// once it is durable. The server awaits this before it writes the final chunk of a response, so a client
    /// never receives a completion id that feedback cannot find.
    /// </summary>
    /// <remarks>Thread safe. Records from concurrent callers share one transaction and one fsync.</remarks>
    Task RecordAsync(CompletionRecord record, CancellationToken cancellationToken);
}
