namespace Gantry.Upstream;

public sealed partial class UpstreamHandler
{
    private static partial class Log
    {
        [LoggerMessage(7001, LogLevel.Warning, "Upstream request failed before any output ({Kind}): {Reason}",
            EventName = "UpstreamRequestFailed")]
        public static partial void Failed(ILogger logger, string kind, string reason);

        [LoggerMessage(7002, LogLevel.Debug, "Upstream rejected the request with status {Status}",
            EventName = "UpstreamRequestRejected")]
        public static partial void Rejected(ILogger logger, int status);

        [LoggerMessage(7003, LogLevel.Warning, "Upstream stream {CompletionId} failed after output started: {Reason}",
            EventName = "UpstreamStreamFailed")]
        public static partial void StreamFailed(ILogger logger, string completionId, string reason);

        [LoggerMessage(7004, LogLevel.Debug, "Client disconnected; cancelled upstream stream {CompletionId}",
            EventName = "UpstreamClientDisconnected")]
        public static partial void ClientDisconnected(ILogger logger, string completionId);
    }
}
