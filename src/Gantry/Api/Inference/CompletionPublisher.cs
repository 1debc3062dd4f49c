using Gantry.Metrics;

namespace Gantry.Api.Inference;

/// <summary>
/// Publishes a finished generation, in-process or forwarded: the request metrics, the request's telemetry for
/// its log line, then every <see cref="ICompletionSink"/> in registration order.
/// </summary>
public sealed partial class CompletionPublisher(
    IEnumerable<ICompletionSink> sinks,
    RequestMetrics metrics,
    ILogger<CompletionPublisher> logger)
{
    private readonly ICompletionSink[] _sinks = sinks.ToArray();

    /// <summary>Publishes <paramref name="exchange"/>; a failing sink is logged and its exception rethrown.</summary>
    public async Task PublishAsync(HttpContext context, CompletedExchange exchange, RequestOutcome outcome)
    {
        metrics.RecordGeneration(exchange.Kind, outcome, exchange.Usage, exchange.LatencySeconds);
        InferenceTelemetryFeature.Set(context, outcome, exchange.Usage);
        foreach (var sink in _sinks)
        {
            try
            {
                await sink.OnCompletedAsync(exchange, CancellationToken.None);
            }
            catch (Exception exception)
            {
                Log.SinkFailed(logger, sink.GetType().Name, exchange.Id, exception);
                throw;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(3001, LogLevel.Error, "Completion sink {Sink} failed for {CompletionId}",
            EventName = "CompletionSinkFailed")]
        public static partial void SinkFailed(ILogger logger, string sink, string completionId, Exception exception);
    }
}
