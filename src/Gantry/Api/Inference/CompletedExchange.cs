using Gantry.Engine;

namespace Gantry.Api.Inference;

/// <summary>
/// A finished generation with everything known about it. Contains the prompt and the completion text, which
/// are sensitive: consumers decide what they store or log.
/// </summary>
/// <param name="Id">The id returned to the client (<c>chatcmpl-…</c> or <c>cmpl-…</c>).</param>
/// <param name="Kind">The route that served it.</param>
/// <param name="Model">The served model id (from configuration, never from the request).</param>
/// <param name="Created">When the request was accepted.</param>
/// <param name="Request">The validated request.</param>
/// <param name="Text">The completion text returned.</param>
/// <param name="FinishReason">Why generation ended.</param>
/// <param name="Usage">Token counts and engine timings.</param>
/// <param name="LatencySeconds">From the start of the request until generation ended.</param>
/// <param name="Error">The failure message when <paramref name="FinishReason"/> is an error.</param>
public sealed record CompletedExchange(
    string Id,
    EndpointKind Kind,
    string Model,
    DateTimeOffset Created,
    InferenceRequest Request,
    string Text,
    FinishReason FinishReason,
    GenerationUsage Usage,
    double LatencySeconds,
    string? Error)
{
    /// <summary>The tenant of the API key that sent the request; null on a server without keys.</summary>
    public string? Tenant { get; init; }

    /// <summary>The name of the API key that sent the request; null on a server without keys.</summary>
    public string? KeyName { get; init; }
}

/// <summary>
/// Receives every finished generation. For completions that end normally it runs before the final chunk or
/// body is written, so a sink that persists the exchange makes it durable before the client sees the end.
/// </summary>
public interface ICompletionSink
{
    /// <summary>Handles one finished generation. Must be fast; it sits on the response path.</summary>
    ValueTask OnCompletedAsync(CompletedExchange exchange, CancellationToken cancellationToken);
}
