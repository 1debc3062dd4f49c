using System.Text.Json;

namespace Gantry.Feedback.Tests.Support;

/// <summary>Builders for completion records and feedback used across tests.</summary>
public static class Records
{
    public static readonly DateTimeOffset Epoch = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    public static CompletionRecord Completion(
        string id, string model = "tiny", string? prompt = "What is 2+2?", string? answer = "4", DateTimeOffset? created = null) => new()
    {
        Id = id,
        Created = created ?? Epoch,
        Model = model,
        Endpoint = "chat",
        ParametersJson = """{"temperature":0.7,"top_p":1,"max_tokens":16,"seed":7,"stop":[]}""",
        PromptTokens = 12,
        CompletionTokens = 3,
        LatencySeconds = 0.25,
        FinishReason = "stop",
        Messages = prompt is null ? null : Messages(prompt),
        Completion = answer,
    };

    public static string Messages(string prompt) => JsonSerializer.Serialize(new object[]
    {
        new Dictionary<string, string> { ["role"] = "system", ["content"] = "Answer briefly." },
        new Dictionary<string, string> { ["role"] = "user", ["content"] = prompt },
    });

    public static FeedbackSubmission Up(string completionId) => new() { CompletionId = completionId, Rating = FeedbackRating.Up };

    public static FeedbackSubmission Down(string completionId, string? correction = null) =>
        new() { CompletionId = completionId, Rating = FeedbackRating.Down, Correction = correction };
}
