using Gantry.Api.Inference;
using Gantry.Options;
using Microsoft.Extensions.Options;

namespace Gantry.Logging;

/// <summary>
/// Logs the prompt and completion of finished requests at Debug, when <see cref="ContentLoggingOptions.LogContent"/>
/// is on: a sample of requests, each text redacted by <see cref="Redactor"/> and then truncated. Content is
/// never logged at Information or above.
/// </summary>
public sealed partial class ContentLogSink(
    IOptions<ContentLoggingOptions> options,
    ILogger<ContentLogSink> logger) : ICompletionSink
{
    private readonly ContentLoggingOptions _options = options.Value;

    /// <inheritdoc />
    public ValueTask OnCompletedAsync(CompletedExchange exchange, CancellationToken cancellationToken)
    {
        if (!_options.LogContent || !logger.IsEnabled(LogLevel.Debug) || !IsSampled())
        {
            return ValueTask.CompletedTask;
        }

        var prompt = exchange.Request.Prompt ?? string.Join('\n',
            (exchange.Request.Messages ?? []).Select(message => $"{message.Role}: {message.Content}"));
        Log.Content(logger, exchange.Id, Prepare(prompt), Prepare(exchange.Text));
        return ValueTask.CompletedTask;
    }

    private bool IsSampled() => _options.ContentSampleRate >= 1 || Random.Shared.NextDouble() < _options.ContentSampleRate;

    // Redaction runs on the whole text before the cut, so a secret that straddles the cut is still replaced.
    private string Prepare(string text) => Redactor.Truncate(Redactor.Redact(text), _options.ContentMaxChars);

    private static partial class Log
    {
        [LoggerMessage(4201, LogLevel.Debug, "Content of {CompletionId}: prompt {Prompt}; completion {Completion}",
            EventName = "InferenceContent")]
        public static partial void Content(ILogger logger, string completionId, string prompt, string completion);
    }
}
