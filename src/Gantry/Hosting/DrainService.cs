using Gantry.Options;
using Microsoft.Extensions.Options;

namespace Gantry.Hosting;

/// <summary>
/// Drains the server on SIGTERM or Ctrl+C before Kestrel stops listening.
/// </summary>
/// <remarks>
/// The host stops in this order: it fires <c>ApplicationStopping</c>, then calls every
/// <see cref="IHostedLifecycleService.StoppingAsync"/>, then every <see cref="IHostedService.StopAsync"/> in
/// reverse registration order, and Kestrel's stop is one of those. The drain therefore runs in
/// <see cref="StoppingAsync"/>: the listener still accepts connections, so a request that arrives during the drain
/// gets a 503 with code <c>draining</c> rather than a refused connection, and requests in flight, together with
/// their completion sinks, finish before any service stops.
/// </remarks>
public sealed partial class DrainService(
    DrainCoordinator drain,
    IOptions<GantryOptions> options,
    ILogger<DrainService> logger) : IHostedLifecycleService
{
    /// <summary>How long requests aborted at the drain deadline get to write their error event and end.</summary>
    public static readonly TimeSpan AbortGrace = TimeSpan.FromSeconds(5);

    /// <inheritdoc />
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromSeconds(options.Value.DrainTimeout);
        Log.Draining(logger, drain.InFlight, timeout.TotalSeconds);
        var aborted = await drain.DrainAsync(timeout, AbortGrace, cancellationToken);
        if (aborted > 0)
        {
            Log.Aborted(logger, aborted, timeout.TotalSeconds);
        }
        else
        {
            Log.Drained(logger);
        }
    }

    /// <inheritdoc />
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(4001, LogLevel.Information,
            "Draining: {InFlight} inference requests in flight, drain timeout {TimeoutSeconds} s", EventName = "DrainStarted")]
        public static partial void Draining(ILogger logger, int inFlight, double timeoutSeconds);

        [LoggerMessage(4002, LogLevel.Information, "Drain finished: no request in flight", EventName = "DrainFinished")]
        public static partial void Drained(ILogger logger);

        [LoggerMessage(4003, LogLevel.Warning,
            "Drain timeout of {TimeoutSeconds} s passed with {Aborted} requests in flight; they were aborted",
            EventName = "DrainAborted")]
        public static partial void Aborted(ILogger logger, int aborted, double timeoutSeconds);
    }
}
