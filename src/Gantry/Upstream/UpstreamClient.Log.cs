namespace Gantry.Upstream;

public sealed partial class UpstreamClient
{
    private static partial class Log
    {
        [LoggerMessage(7101, LogLevel.Information, "Retrying the upstream request (attempt {Attempt}) in {DelayMs:F0} ms: {Reason}",
            EventName = "UpstreamRetry")]
        public static partial void Retrying(ILogger logger, int attempt, double delayMs, string reason);

        [LoggerMessage(7102, LogLevel.Warning, "Upstream circuit opened for {Seconds:F1} s; requests get 503 meanwhile",
            EventName = "UpstreamCircuitOpened")]
        public static partial void CircuitOpened(ILogger logger, double seconds);

        [LoggerMessage(7103, LogLevel.Information, "Upstream circuit closed; requests go to the upstream again",
            EventName = "UpstreamCircuitClosed")]
        public static partial void CircuitClosed(ILogger logger);

        [LoggerMessage(7104, LogLevel.Warning, "Upstream sent no output within {Seconds:F1} s",
            EventName = "UpstreamFirstByteTimeout")]
        public static partial void FirstByteTimedOut(ILogger logger, double seconds);

        [LoggerMessage(7105, LogLevel.Debug, "Upstream attempt failed: {Reason}", EventName = "UpstreamAttemptFailed")]
        public static partial void AttemptFailed(ILogger logger, string reason, Exception exception);
    }
}
