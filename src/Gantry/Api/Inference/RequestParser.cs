using System.Text.Json;
using Gantry.Engine;

namespace Gantry.Api.Inference;

/// <summary>
/// Validates the JSON body of <c>/v1/chat/completions</c> and <c>/v1/completions</c>. Every failure is a 400
/// whose <c>param</c> names the field; unknown fields are ignored, as the OpenAI API does.
/// </summary>
internal static class RequestParser
{
    /// <summary>Maximum stop strings in one request.</summary>
    public const int MaxStopStrings = 16;

    private static readonly HashSet<string> SystemRoles = ["system", "developer"];

    public static InferenceRequest? ParseChat(JsonElement root, out ApiError? error)
    {
        if (!CheckObject(root, out error))
        {
            return null;
        }

        if (!root.TryGetProperty("messages", out var messagesElement) || messagesElement.ValueKind == JsonValueKind.Null)
        {
            error = ApiError.Invalid("Missing required field 'messages'.", "messages", "missing_required_parameter");
            return null;
        }

        var messages = ParseMessages(messagesElement, out error);
        if (messages is null)
        {
            return null;
        }

        var request = ParseCommon(root, out error);
        if (request is null)
        {
            return null;
        }

        if (!CheckLimit(root, "max_completion_tokens", out var maxCompletionTokens, out error))
        {
            return null;
        }

        return request with { Messages = messages, MaxTokens = maxCompletionTokens ?? request.MaxTokens };
    }

    public static InferenceRequest? ParseCompletion(JsonElement root, out ApiError? error)
    {
        if (!CheckObject(root, out error))
        {
            return null;
        }

        if (!root.TryGetProperty("prompt", out var promptElement) || promptElement.ValueKind == JsonValueKind.Null)
        {
            error = ApiError.Invalid("Missing required field 'prompt'.", "prompt", "missing_required_parameter");
            return null;
        }

        string? prompt = null;
        if (promptElement.ValueKind == JsonValueKind.String)
        {
            prompt = promptElement.GetString();
        }
        else if (promptElement.ValueKind == JsonValueKind.Array && promptElement.GetArrayLength() == 1
            && promptElement[0].ValueKind == JsonValueKind.String)
        {
            prompt = promptElement[0].GetString();
        }

        if (prompt is null)
        {
            error = ApiError.Invalid(
                "Field 'prompt' must be a string or an array of exactly one string; batches of prompts are not supported.",
                "prompt", "invalid_type");
            return null;
        }

        if (root.TryGetProperty("echo", out var echo) && echo.ValueKind == JsonValueKind.True)
        {
            error = ApiError.Invalid("Field 'echo' is not supported.", "echo", "unsupported_parameter");
            return null;
        }

        var request = ParseCommon(root, out error);
        return request is null ? null : request with { Prompt = prompt };
    }

    private static bool CheckObject(JsonElement root, out ApiError? error)
    {
        error = null;
        if (root.ValueKind != JsonValueKind.Object)
        {
            error = ApiError.Invalid($"The request body must be a JSON object, not {RequestField.Describe(root)}.");
            return false;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            if (!seen.Add(property.Name))
            {
                error = ApiError.Invalid($"Field '{Truncate(property.Name)}' appears more than once.",
                    Truncate(property.Name), "duplicate_field");
                return false;
            }
        }

        return true;
    }

    private static InferenceRequest? ParseCommon(JsonElement root, out ApiError? error)
    {
        if (!RequestField.TryGetString(root, "model", required: true, out var model, out error)
            || !CheckLimit(root, "max_tokens", out var maxTokens, out error)
            || !RequestField.TryGetNumber(root, "temperature", 0, 2, out var temperature, out error)
            || !RequestField.TryGetNumber(root, "top_p", 0, 1, out var topP, out error)
            || !RequestField.TryGetInteger(root, "top_k", -1, int.MaxValue, out var topK, out error)
            || !RequestField.TryGetNumber(root, "min_p", 0, 1, out var minP, out error)
            || !RequestField.TryGetNumber(root, "repetition_penalty", 0.01, 10, out var repetitionPenalty, out error)
            || !RequestField.TryGetNumber(root, "presence_penalty", -2, 2, out var presencePenalty, out error)
            || !RequestField.TryGetNumber(root, "frequency_penalty", -2, 2, out var frequencyPenalty, out error)
            || !RequestField.TryGetInteger(root, "seed", long.MinValue, long.MaxValue, out var seed, out error)
            || !RequestField.TryGetInteger(root, "n", long.MinValue, long.MaxValue, out var n, out error)
            || !RequestField.TryGetBool(root, "stream", out var stream, out error)
            || !RequestField.TryGetBool(root, "ignore_eos", out var ignoreEos, out error)
            || !RequestField.TryGetString(root, "user", required: false, out var user, out error))
        {
            return null;
        }

        if (n is not null and not 1)
        {
            error = ApiError.Invalid($"Field 'n' is {n}, but only n = 1 is supported.", "n", "unsupported_value");
            return null;
        }

        var stop = ParseStop(root, out error);
        if (stop is null || !ParseStreamOptions(root, stream, out var includeUsage, out error))
        {
            return null;
        }

        return new InferenceRequest
        {
            Model = model!,
            MaxTokens = maxTokens,
            Stop = stop,
            Stream = stream,
            IncludeUsage = includeUsage,
            User = user,
            Sampling = new SamplingParameters
            {
                Temperature = (float)(temperature ?? 1),
                TopP = (float)(topP ?? 1),
                TopK = (int)Math.Max(0, topK ?? 0),
                MinP = (float)(minP ?? 0),
                RepetitionPenalty = (float)(repetitionPenalty ?? 1),
                PresencePenalty = (float)(presencePenalty ?? 0),
                FrequencyPenalty = (float)(frequencyPenalty ?? 0),
                Seed = seed is null ? null : unchecked((uint)seed.Value),
                IgnoreEos = ignoreEos,
            },
        };
    }

    private static bool CheckLimit(JsonElement root, string name, out int? value, out ApiError? error)
    {
        value = null;
        if (!RequestField.TryGetInteger(root, name, 1, int.MaxValue, out var number, out error))
        {
            return false;
        }

        value = (int?)number;
        return true;
    }

    private static List<string>? ParseStop(JsonElement root, out ApiError? error)
    {
        error = null;
        var stops = new List<string>();
        if (!root.TryGetProperty("stop", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return stops;
        }

        if (element.ValueKind == JsonValueKind.String)
        {
            element = JsonDocument.Parse($"[{element.GetRawText()}]").RootElement;
        }

        if (element.ValueKind != JsonValueKind.Array)
        {
            error = ApiError.Invalid($"Field 'stop' must be a string or an array of strings, not {RequestField.Describe(element)}.",
                "stop", "invalid_type");
            return null;
        }

        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(item.GetString()))
            {
                error = ApiError.Invalid("Every item of 'stop' must be a non-empty string.", "stop", "invalid_type");
                return null;
            }

            stops.Add(item.GetString()!);
        }

        if (stops.Count > MaxStopStrings)
        {
            error = ApiError.Invalid($"Field 'stop' has {stops.Count} strings; at most {MaxStopStrings} are allowed.", "stop");
            return null;
        }

        return stops;
    }

    private static bool ParseStreamOptions(JsonElement root, bool stream, out bool includeUsage, out ApiError? error)
    {
        includeUsage = false;
        error = null;
        if (!root.TryGetProperty("stream_options", out var options) || options.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (options.ValueKind != JsonValueKind.Object)
        {
            error = ApiError.Invalid($"Field 'stream_options' must be an object, not {RequestField.Describe(options)}.",
                "stream_options", "invalid_type");
            return false;
        }

        if (!stream)
        {
            error = ApiError.Invalid("Field 'stream_options' is only allowed when 'stream' is true.", "stream_options");
            return false;
        }

        if (!RequestField.TryGetBool(options, "include_usage", out includeUsage, out error))
        {
            error = error! with { Param = "stream_options.include_usage" };
            return false;
        }

        return true;
    }

    private static List<ChatMessage>? ParseMessages(JsonElement element, out ApiError? error)
    {
        error = null;
        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() == 0)
        {
            error = ApiError.Invalid("Field 'messages' must be a non-empty array of messages.", "messages",
                element.ValueKind == JsonValueKind.Array ? "invalid_value" : "invalid_type");
            return null;
        }

        var messages = new List<ChatMessage>(element.GetArrayLength());
        var index = 0;
        foreach (var item in element.EnumerateArray())
        {
            var param = $"messages[{index}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                error = ApiError.Invalid($"'{param}' must be an object, not {RequestField.Describe(item)}.", param,
                    "invalid_type");
                return null;
            }

            if (!RequestField.TryGetString(item, "role", required: true, out var role, out error))
            {
                error = error! with { Param = $"{param}.role" };
                return null;
            }

            if (role is not ("user" or "assistant") && !SystemRoles.Contains(role!))
            {
                error = ApiError.Invalid(
                    $"'{param}.role' must be 'system', 'developer', 'user' or 'assistant'.", $"{param}.role");
                return null;
            }

            var content = ParseContent(item, param, role == "assistant", out error);
            if (content is null)
            {
                return null;
            }

            messages.Add(new ChatMessage(SystemRoles.Contains(role!) ? "system" : role!, content));
            index++;
        }

        return messages;
    }

    private static string? ParseContent(JsonElement message, string param, bool optional, out ApiError? error)
    {
        error = null;
        if (!message.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null)
        {
            if (optional)
            {
                return string.Empty;
            }

            error = ApiError.Invalid($"Missing required field '{param}.content'.", $"{param}.content",
                "missing_required_parameter");
            return null;
        }

        if (content.ValueKind == JsonValueKind.String)
        {
            return content.GetString();
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            error = ApiError.Invalid(
                $"'{param}.content' must be a string or an array of text parts, not {RequestField.Describe(content)}.",
                $"{param}.content", "invalid_type");
            return null;
        }

        var text = new System.Text.StringBuilder();
        var part = 0;
        foreach (var item in content.EnumerateArray())
        {
            var partParam = $"{param}.content[{part}]";
            if (item.ValueKind != JsonValueKind.Object
                || !item.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            {
                error = ApiError.Invalid($"'{partParam}' must be an object with a 'type'.", partParam, "invalid_type");
                return null;
            }

            if (type.GetString() != "text")
            {
                error = ApiError.Invalid($"'{partParam}.type' must be 'text'; other content parts are not supported.",
                    $"{partParam}.type", "unsupported_value");
                return null;
            }

            if (!RequestField.TryGetString(item, "text", required: true, out var partText, out error))
            {
                error = error! with { Param = $"{partParam}.text" };
                return null;
            }

            text.Append(partText);
            part++;
        }

        return text.ToString();
    }

    private static string Truncate(string value) => value.Length <= 64 ? value : value[..64];
}
