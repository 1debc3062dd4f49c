using Gantry.Engine;

namespace Gantry.Api.Inference;

/// <summary>A validated chat or text completion request, ready to tokenize and queue.</summary>
public sealed record InferenceRequest
{
    /// <summary>The model id the client sent.</summary>
    public required string Model { get; init; }

    /// <summary>The conversation of a chat request; null for a text completion.</summary>
    public IReadOnlyList<ChatMessage>? Messages { get; init; }

    /// <summary>The prompt of a text completion; null for a chat request.</summary>
    public string? Prompt { get; init; }

    /// <summary>Maximum completion tokens; null means the rest of the context.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>Strings that end the completion.</summary>
    public IReadOnlyList<string> Stop { get; init; } = [];

    /// <summary>Sampling settings.</summary>
    public SamplingParameters Sampling { get; init; } = new();

    /// <summary>Whether the response is streamed as server-sent events.</summary>
    public bool Stream { get; init; }

    /// <summary>Whether a streamed response ends with a usage chunk.</summary>
    public bool IncludeUsage { get; init; }

    /// <summary>The caller's end-user id, as sent; stored, never used as a metric label.</summary>
    public string? User { get; init; }
}
