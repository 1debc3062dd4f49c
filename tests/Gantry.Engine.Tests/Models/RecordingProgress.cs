using System.Collections.Concurrent;
using Gantry.Engine.Models;

namespace Gantry.Engine.Tests.Models;

/// <summary>
/// Progress sink that keeps every report and runs an optional callback synchronously, so a test
/// can react to the exact moment bytes reach the disk.
/// </summary>
internal sealed class RecordingProgress(Action<ModelDownloadProgress>? onReport = null) : IProgress<ModelDownloadProgress>
{
    public ConcurrentQueue<ModelDownloadProgress> Reports { get; } = new();

    public void Report(ModelDownloadProgress value)
    {
        Reports.Enqueue(value);
        onReport?.Invoke(value);
    }
}
