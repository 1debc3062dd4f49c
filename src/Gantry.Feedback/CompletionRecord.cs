namespace Gantry.Feedback;

/// <summary>
/// One completion that the server returned to a client, stored so that feedback can refer to it and
/// datasets can be built from it.
/// </summary>
/// <remarks>
/// <see cref="Messages"/> and <see cref="Completion"/> hold user text and are stored only under
/// <see cref="CaptureMode.Full"/>, and the recorder clears them under <see cref="CaptureMode.Metadata"/>.
/// </remarks>
public sealed record CompletionRecord
{
    /// <summary>The id returned to the client, such as <c>chatcmpl-...</c> or <c>cmpl-...</c>.</summary>
    public required string Id { get; init; }

    /// <summary>When the completion was created (the <c>created</c> field of the response).</summary>
    public required DateTimeOffset Created { get; init; }

    /// <summary>The served model name, set by the server and never taken from request text.</summary>
    public required string Model { get; init; }

    /// <summary>The endpoint that produced the completion: <c>chat</c> or <c>completions</c>.</summary>
    public required string Endpoint { get; init; }

    /// <summary>The tenant that sent the request, when API keys assign one.</summary>
    public string? Tenant { get; init; }

    /// <summary>The id of the API key that sent the request (never the key itself).</summary>
    public string? KeyId { get; init; }

    /// <summary>Sampling parameters as a JSON object: temperature, top_p, max_tokens, seed, stop and so on.</summary>
    public string ParametersJson { get; init; } = "{}";

    /// <summary>Number of prompt tokens.</summary>
    public int PromptTokens { get; init; }

    /// <summary>Number of generated tokens.</summary>
    public int CompletionTokens { get; init; }

    /// <summary>Time from receiving the request to the last token, in seconds.</summary>
    public double LatencySeconds { get; init; }

    /// <summary>The OpenAI finish reason: <c>stop</c>, <c>length</c> and so on.</summary>
    public string FinishReason { get; init; } = "stop";

    /// <summary>
    /// The request messages as a JSON array of chat messages (<c>[{"role": ..., "content": ...}]</c>).
    /// For <c>/v1/completions</c> the server stores the prompt as one user message.
    /// </summary>
    public string? Messages { get; init; }

    /// <summary>The completion text returned to the client.</summary>
    public string? Completion { get; init; }
}
