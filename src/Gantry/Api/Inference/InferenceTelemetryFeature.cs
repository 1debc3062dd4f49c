using Gantry.Engine;
using Gantry.Metrics;

namespace Gantry.Api.Inference;

/// <summary>
/// What the handler learned about an inference request, for <see cref="InferenceTelemetryMiddleware"/> to log and
/// count once the response has ended. Set once the generation ends; absent when it never reached the engine.
/// </summary>
public sealed class InferenceTelemetryFeature
{
    /// <summary>How the generation ended.</summary>
    public RequestOutcome? Outcome { get; private set; }

    /// <summary>Token counts and timings of the generation.</summary>
    public GenerationUsage? Usage { get; private set; }

    /// <summary>Records the generation's end on the request's feature, when the middleware installed one.</summary>
    public static void Set(HttpContext context, RequestOutcome outcome, GenerationUsage usage)
    {
        var feature = context.Features.Get<InferenceTelemetryFeature>();
        if (feature is not null)
        {
            feature.Outcome = outcome;
            feature.Usage = usage;
        }
    }
}
