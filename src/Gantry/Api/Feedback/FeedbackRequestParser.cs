using System.Text.Json;
using Gantry.Feedback;

namespace Gantry.Api.Feedback;

/// <summary>
/// Validates the JSON body of <c>POST /v1/feedback</c>. Every failure is a 400 whose <c>param</c> names the field;
/// unknown fields are ignored.
/// </summary>
internal static class FeedbackRequestParser
{
    public static FeedbackSubmission? Parse(JsonElement root, out ApiError? error)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            error = ApiError.Invalid("The request body must be a JSON object.", code: "invalid_type");
            return null;
        }

        if (!TryString(root, "completion_id", FeedbackLimits.MaxCompletionIdLength, required: true, out var completionId, out error)
            || !TryRating(root, out var rating, out error)
            || !TryScore(root, out var score, out error)
            || !TryString(root, "correction", FeedbackLimits.MaxCorrectionLength, required: false, out var correction, out error)
            || !TryString(root, "comment", FeedbackLimits.MaxCommentLength, required: false, out var comment, out error)
            || !TryTags(root, out var tags, out error)
            || !TryString(root, "source", FeedbackLimits.MaxSourceLength, required: false, out var source, out error))
        {
            return null;
        }

        if (rating is null && score is null)
        {
            error = ApiError.Invalid(
                $"Provide 'rating' (\"up\" or \"down\") or 'score' (a number from {FeedbackLimits.MinScore} to {FeedbackLimits.MaxScore}), or both.",
                "rating", "missing_required_parameter");
            return null;
        }

        return new FeedbackSubmission
        {
            CompletionId = completionId!,
            Rating = rating,
            Score = score,
            Correction = correction,
            Comment = comment,
            Tags = tags,
            Source = source,
        };
    }

    private static bool TryString(
        JsonElement root, string name, int maxLength, bool required, out string? value, out ApiError? error)
    {
        value = null;
        error = null;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                error = ApiError.Invalid($"Missing required field '{name}'.", name, "missing_required_parameter");
            }

            return !required;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            error = ApiError.Invalid($"Field '{name}' must be a string, not {Describe(element)}.", name, "invalid_type");
            return false;
        }

        value = element.GetString()!;
        if (value.Length == 0)
        {
            error = ApiError.Invalid($"Field '{name}' must not be empty; leave it out instead.", name);
            return false;
        }

        if (value.Length > maxLength)
        {
            error = ApiError.Invalid($"Field '{name}' is {value.Length} characters long; the maximum is {maxLength}.", name, "string_too_long");
            return false;
        }

        return true;
    }

    private static bool TryRating(JsonElement root, out FeedbackRating? rating, out ApiError? error)
    {
        rating = null;
        error = null;
        if (!root.TryGetProperty("rating", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        rating = element.ValueKind == JsonValueKind.String
            ? element.GetString() switch
            {
                "up" => FeedbackRating.Up,
                "down" => FeedbackRating.Down,
                _ => null,
            }
            : null;
        if (rating is null)
        {
            error = ApiError.Invalid("Field 'rating' must be \"up\" or \"down\".", "rating");
            return false;
        }

        return true;
    }

    private static bool TryScore(JsonElement root, out double? score, out ApiError? error)
    {
        score = null;
        error = null;
        if (!root.TryGetProperty("score", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.Number || !element.TryGetDouble(out var value) || !double.IsFinite(value))
        {
            error = ApiError.Invalid($"Field 'score' must be a number, not {Describe(element)}.", "score", "invalid_type");
            return false;
        }

        if (value is < FeedbackLimits.MinScore or > FeedbackLimits.MaxScore)
        {
            error = ApiError.Invalid(
                $"Field 'score' is {value}; it must be between {FeedbackLimits.MinScore} and {FeedbackLimits.MaxScore}.", "score");
            return false;
        }

        score = value;
        return true;
    }

    private static bool TryTags(JsonElement root, out IReadOnlyList<string> tags, out ApiError? error)
    {
        tags = [];
        error = null;
        if (!root.TryGetProperty("tags", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.Array)
        {
            error = ApiError.Invalid($"Field 'tags' must be an array of strings, not {Describe(element)}.", "tags", "invalid_type");
            return false;
        }

        if (element.GetArrayLength() > FeedbackLimits.MaxTags)
        {
            error = ApiError.Invalid(
                $"Field 'tags' has {element.GetArrayLength()} entries; the maximum is {FeedbackLimits.MaxTags}.", "tags", "array_too_long");
            return false;
        }

        var list = new List<string>();
        foreach (var tag in element.EnumerateArray())
        {
            if (tag.ValueKind != JsonValueKind.String || tag.GetString() is not { Length: > 0 and <= FeedbackLimits.MaxTagLength } text)
            {
                error = ApiError.Invalid(
                    $"Every entry of 'tags' must be a non-empty string of at most {FeedbackLimits.MaxTagLength} characters.", "tags");
                return false;
            }

            list.Add(text);
        }

        tags = list;
        return true;
    }

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
