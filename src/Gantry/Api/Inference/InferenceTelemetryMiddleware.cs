using System.Diagnostics;
using Gantry.Hosting;
using Gantry.Metrics;

namespace Gantry.Api.Inference;

/// <summary>
/// Wraps the two generation routes: logs one Information line per request (route, model, status, latency,
/// token counts, outcome) and counts requests that never reached the engine as <c>rejected</c>, so that
/// <c>gantry_requests_total</c> also covers 4xx and 5xx responses. Runs outside the OpenAI error middleware so it
/// records the status of Kestrel's rejections too.
/// </summary>
public sealed partial class InferenceTelemetryMiddleware(
    RequestDelegate next,
    RequestMetrics metrics,
    ModelHost models,
    ILogger<InferenceTelemetryMiddleware> logger)
{
    /// <summary>Handles one request.</summary>
    public async Task InvokeAsync(HttpContext context)
    {
        var endpoint = GetEndpoint(context.Request);
        if (endpoint is null)
        {
            await next(context);
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var feature = new InferenceTelemetryFeature();
        context.Features.Set(feature);
        var failed = true;
        try
        {
            await next(context);
            failed = false;
        }
        finally
        {
            var outcome = feature.Outcome ?? RecordNotGenerated(context, endpoint.Value, failed);
            var usage = feature.Usage;
            Log.RequestFinished(logger, endpoint == EndpointKind.Chat ? "/v1/chat/completions" : "/v1/completions",
                models.ModelName,
                failed ? StatusCodes.Status500InternalServerError : context.Response.StatusCode,
                Stopwatch.GetElapsedTime(started).TotalMilliseconds, usage?.PromptTokens ?? 0,
                usage?.CompletionTokens ?? 0, outcome.ToLabel());
        }
    }

    /// <summary>The generation route of <paramref name="request"/>, or null for any other route.</summary>
    public static EndpointKind? GetEndpoint(HttpRequest request)
    {
        if (!HttpMethods.IsPost(request.Method))
        {
            return null;
        }

        if (request.Path.Equals("/v1/chat/completions", StringComparison.OrdinalIgnoreCase))
        {
            return EndpointKind.Chat;
        }

        return request.Path.Equals("/v1/completions", StringComparison.OrdinalIgnoreCase)
            ? EndpointKind.Completions
            : null;
    }

    private RequestOutcome RecordNotGenerated(HttpContext context, EndpointKind endpoint, bool failed)
    {
        var outcome = failed ? RequestOutcome.Error
            : context.RequestAborted.IsCancellationRequested ? RequestOutcome.Cancelled
            : context.Response.StatusCode >= 500 && context.Response.StatusCode != StatusCodes.Status503ServiceUnavailable
                ? RequestOutcome.Error
                : RequestOutcome.Rejected;
        metrics.RecordNotGenerated(endpoint, outcome);
        return outcome;
    }

    private static partial class Log
    {
        // Prompts and completions never appear here, only counts.
        [LoggerMessage(4101, LogLevel.Information,
            "{Route} {Model} {StatusCode} in {LatencyMs:F1} ms: {PromptTokens} prompt tokens, {CompletionTokens} "
            + "completion tokens, outcome {Outcome}", EventName = "InferenceRequestFinished")]
        public static partial void RequestFinished(ILogger logger, string route, string model, int statusCode,
            double latencyMs, int promptTokens, int completionTokens, string outcome);
    }
}
