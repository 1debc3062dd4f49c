using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gantry.Feedback.Datasets;

/// <summary>A chat message in a Parquet row: a struct of role and content.</summary>
public sealed class ParquetMessage
{
    /// <summary>The role: system, user, assistant or tool.</summary>
    [JsonPropertyName("role")]
    public string Role { get; set; } = string.Empty;

    /// <summary>The text. Content given as an array of parts is joined from its text parts.</summary>
    [JsonPropertyName("content")]
    public string Content { get; set; } = string.Empty;

    /// <summary>Converts a JSON array of chat messages, or returns null when it is not one.</summary>
    internal static List<ParquetMessage>? FromJson(string messagesJson)
    {
        using var document = JsonDocument.Parse(messagesJson);
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var messages = new List<ParquetMessage>();
        foreach (var element in document.RootElement.EnumerateArray())
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var role = element.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()! : string.Empty;
            var content = element.TryGetProperty("content", out var c) ? ContentText(c) : string.Empty;
            messages.Add(new ParquetMessage { Role = role, Content = content });
        }

        return messages;
    }

    /// <summary>Creates an assistant message.</summary>
    internal static List<ParquetMessage> Assistant(string content) => [new ParquetMessage { Role = "assistant", Content = content }];

    private static string ContentText(JsonElement content)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            return content.GetString()!;
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            return string.Empty;
        }

        var text = new StringBuilder();
        foreach (var part in content.EnumerateArray())
        {
            if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
            {
                text.Append(t.GetString());
            }
        }

        return text.ToString();
    }
}

/// <summary>A supervised fine-tuning row: column <c>messages</c>, a list of message structs.</summary>
public sealed class SftParquetRow
{
    /// <summary>The prompt messages followed by the assistant message.</summary>
    [JsonPropertyName("messages")]
    public List<ParquetMessage> Messages { get; set; } = [];
}

/// <summary>A preference row: columns <c>prompt</c>, <c>chosen</c> and <c>rejected</c>, each a list of message structs.</summary>
public sealed class DpoParquetRow
{
    /// <summary>The prompt messages.</summary>
    [JsonPropertyName("prompt")]
    public List<ParquetMessage> Prompt { get; set; } = [];

    /// <summary>The preferred assistant message.</summary>
    [JsonPropertyName("chosen")]
    public List<ParquetMessage> Chosen { get; set; } = [];

    /// <summary>The rejected assistant message.</summary>
    [JsonPropertyName("rejected")]
    public List<ParquetMessage> Rejected { get; set; } = [];
}
