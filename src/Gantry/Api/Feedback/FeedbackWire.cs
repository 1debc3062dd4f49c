using System.Text.Json.Serialization;
using Gantry.Feedback;
using Gantry.Feedback.Stores;

namespace Gantry.Api.Feedback;

/// <summary>The JSON body of a feedback entry, returned by <c>POST /v1/feedback</c> and <c>GET /v1/feedback/{id}</c>.</summary>
internal sealed record FeedbackResponse(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("completion_id")] string CompletionId,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("rating")] string? Rating,
    [property: JsonPropertyName("score")] double? Score,
    [property: JsonPropertyName("correction")] string? Correction,
    [property: JsonPropertyName("comment")] string? Comment,
    [property: JsonPropertyName("tags")] IReadOnlyList<string> Tags,
    [property: JsonPropertyName("source")] string? Source)
{
    public static FeedbackResponse From(FeedbackEntry entry) => new(
        entry.Id, "feedback", entry.Created.ToUnixTimeSeconds(), entry.CompletionId, entry.Model,
        entry.Rating is { } rating ? FeedbackMetrics.RatingLabel(rating) : null,
        entry.Score, entry.Correction, entry.Comment, entry.Tags, entry.Source);
}

/// <summary>The JSON body of <c>GET /v1/feedback/stats</c>.</summary>
internal sealed record FeedbackStatsResponse(
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("window")] string Window,
    [property: JsonPropertyName("since")] long Since,
    [property: JsonPropertyName("model")] string? Model,
    [property: JsonPropertyName("total")] long Total,
    [property: JsonPropertyName("up")] long Up,
    [property: JsonPropertyName("down")] long Down,
    [property: JsonPropertyName("score_only")] long ScoreOnly,
    [property: JsonPropertyName("models")] IReadOnlyList<ModelStatsResponse> Models)
{
    public static FeedbackStatsResponse From(string window, string? model, FeedbackStats stats) => new(
        "feedback.stats", window, stats.Since.ToUnixTimeSeconds(), model,
        stats.Models.Sum(m => m.Total), stats.Models.Sum(m => m.Up), stats.Models.Sum(m => m.Down), stats.Models.Sum(m => m.Unrated),
        [.. stats.Models.Select(m => new ModelStatsResponse(m.Model, m.Total, m.Up, m.Down, m.Unrated, m.ScoreCount, m.MeanScore))]);
}

/// <summary>Counts for one model in <see cref="FeedbackStatsResponse"/>.</summary>
internal sealed record ModelStatsResponse(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("total")] long Total,
    [property: JsonPropertyName("up")] long Up,
    [property: JsonPropertyName("down")] long Down,
    [property: JsonPropertyName("score_only")] long ScoreOnly,
    [property: JsonPropertyName("score_count")] long ScoreCount,
    [property: JsonPropertyName("mean_score")] double? MeanScore);

/// <summary>The normalized fields of a feedback request, hashed to recognize a retry under the same idempotency key.</summary>
internal sealed record FeedbackFingerprint(
    [property: JsonPropertyName("completion_id")] string CompletionId,
    [property: JsonPropertyName("rating")] string? Rating,
    [property: JsonPropertyName("score")] double? Score,
    [property: JsonPropertyName("correction")] string? Correction,
    [property: JsonPropertyName("comment")] string? Comment,
    [property: JsonPropertyName("tags")] IReadOnlyList<string> Tags,
    [property: JsonPropertyName("source")] string? Source);

/// <summary>Source-generated JSON metadata for the feedback routes.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(FeedbackResponse))]
[JsonSerializable(typeof(FeedbackStatsResponse))]
[JsonSerializable(typeof(FeedbackFingerprint))]
internal sealed partial class FeedbackJsonContext : JsonSerializerContext
{
}
