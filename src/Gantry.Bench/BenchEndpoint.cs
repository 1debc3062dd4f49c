namespace Gantry.Bench;

/// <summary>The OpenAI route a benchmark sends its requests to.</summary>
public enum BenchEndpoint
{
    /// <summary><c>POST /v1/completions</c> with a <c>prompt</c>.</summary>
    Completions,

    /// <summary><c>POST /v1/chat/completions</c> with one user message.</summary>
    Chat,
}
