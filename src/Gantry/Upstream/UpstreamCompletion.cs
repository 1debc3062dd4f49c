using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gantry.Engine;

namespace Gantry.Upstream;

/// <summary>
/// Reads the fields Gantry needs from an upstream completion body or stream chunk, and writes it back for the
/// client with <c>model</c> set to the client-facing id.
/// </summary>
internal static class UpstreamCompletion
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The id, or null when the upstream sent none.</summary>
    public static string? GetId(JsonElement root) =>
        root.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;

    /// <summary>The error message of an in-stream error event <c>{"error": {...}}</c>, or null for a chunk.</summary>
    public static string? GetError(JsonElement root)
    {
        if (!root.TryGetProperty("error", out var error) || error.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var message)
            && message.ValueKind == JsonValueKind.String
                ? message.GetString() ?? "The upstream reported an error."
                : "The upstream reported an error.";
    }

    /// <summary>
    /// The first choice: its text (<c>message.content</c>, <c>delta.content</c> or <c>text</c>) and its finish
    /// reason. Returns false for a chunk without choices, such as the usage chunk.
    /// </summary>
    public static bool TryGetChoice(JsonElement root, out string? text, out string? finishReason)
    {
        text = null;
        finishReason = null;
        if (!root.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array
            || choices.GetArrayLength() == 0)
        {
            return false;
        }

        var choice = choices[0];
        if (choice.ValueKind != JsonValueKind.Object)
        {
            throw new UpstreamProtocolException("A choice in the upstream's response is not an object.");
        }

        if (choice.TryGetProperty("message", out var message) || choice.TryGetProperty("delta", out message))
        {
            text = GetString(message, "content");
        }
        else
        {
            text = GetString(choice, "text");
        }

        finishReason = GetString(choice, "finish_reason");
        return true;
    }

    /// <summary>The token counts of a <c>usage</c> object, or null when it is absent or null.</summary>
    public static (int Prompt, int Completion)? GetUsage(JsonElement root)
    {
        if (!root.TryGetProperty("usage", out var usage) || usage.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        return (GetCount(usage, "prompt_tokens"), GetCount(usage, "completion_tokens"));
    }

    /// <summary>Maps an OpenAI finish reason to the engine's; reasons without an equivalent count as a stop.</summary>
    public static FinishReason ToFinishReason(string? reason) => reason switch
    {
        "length" => FinishReason.Length,
        "cancelled" => FinishReason.Cancelled,
        "error" => FinishReason.Error,
        _ => FinishReason.Stop,
    };

    /// <summary>Whether <see cref="Write"/> would change the element, so its original bytes cannot be sent.</summary>
    public static bool NeedsRewrite(JsonElement root, string clientModel, bool removeUsage)
    {
        if (removeUsage && root.TryGetProperty("usage", out _))
        {
            return true;
        }

        return root.TryGetProperty("model", out var model)
            && !(model.ValueKind == JsonValueKind.String && model.ValueEquals(clientModel));
    }

    /// <summary>
    /// Writes <paramref name="root"/> with <c>model</c> set to <paramref name="clientModel"/> and, when
    /// <paramref name="removeUsage"/> is set, without <c>usage</c>. Every other field is copied unchanged.
    /// </summary>
    public static void Write(IBufferWriter<byte> output, JsonElement root, string clientModel, bool removeUsage)
    {
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        writer.WriteStartObject();
        foreach (var property in root.EnumerateObject())
        {
            if (property.NameEquals("model"))
            {
                writer.WriteString("model", clientModel);
            }
            else if (!(removeUsage && property.NameEquals("usage")))
            {
                property.WriteTo(writer);
            }
        }

        writer.WriteEndObject();
    }

    private static string? GetString(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            && value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : null;

    private static int GetCount(JsonElement usage, string name) =>
        usage.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            && value.TryGetInt32(out var count) && count >= 0
                ? count
                : 0;
}
