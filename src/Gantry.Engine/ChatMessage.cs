namespace Gantry.Engine;

/// <summary>One turn of a conversation to format with the model's chat template.</summary>
/// <param name="Role">"system", "user" or "assistant".</param>
/// <param name="Content">The turn's text.</param>
public sealed record ChatMessage(string Role, string Content);
