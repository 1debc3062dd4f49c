using System.Text.Json;
using Gantry.Feedback.Stores;

namespace Gantry.Feedback.Datasets;

/// <summary>Writes dataset rows as JSON objects in the shapes that OpenAI fine-tuning and TRL read.</summary>
internal static class ChatRowWriter
{
    /// <summary>Writes <c>{"messages": [...prompt, assistant message]}</c>, or returns false when the messages are not an array.</summary>
    public static bool TryWriteSft(Utf8JsonWriter writer, SftExample example)
    {
        using var messages = JsonDocument.Parse(example.MessagesJson);
        if (messages.RootElement.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        writer.WriteStartObject();
        writer.WriteStartArray("messages");
        foreach (var message in messages.RootElement.EnumerateArray())
        {
            message.WriteTo(writer);
        }

        WriteAssistant(writer, example.Answer);
        writer.WriteEndArray();
        writer.WriteEndObject();
        return true;
    }

    /// <summary>
    /// Writes TRL's conversational preference row, <c>{"prompt": [...], "chosen": [assistant], "rejected": [assistant]}</c>,
    /// or returns false when the messages are not an array.
    /// </summary>
    public static bool TryWriteDpo(Utf8JsonWriter writer, DpoExample example)
    {
        using var messages = JsonDocument.Parse(example.MessagesJson);
        if (messages.RootElement.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        writer.WriteStartObject();
        writer.WritePropertyName("prompt");
        messages.RootElement.WriteTo(writer);
        writer.WriteStartArray("chosen");
        WriteAssistant(writer, example.Chosen);
        writer.WriteEndArray();
        writer.WriteStartArray("rejected");
        WriteAssistant(writer, example.Rejected);
        writer.WriteEndArray();
        writer.WriteEndObject();
        return true;
    }

    private static void WriteAssistant(Utf8JsonWriter writer, string content)
    {
        writer.WriteStartObject();
        writer.WriteString("role", "assistant");
        writer.WriteString("content", content);
        writer.WriteEndObject();
    }
}
