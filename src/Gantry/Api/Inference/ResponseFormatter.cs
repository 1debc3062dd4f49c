using System.Text.Json;
using Gantry.Engine;

namespace Gantry.Api.Inference;

/// <summary>Writes OpenAI response bodies and stream chunks for one request with <see cref="Utf8JsonWriter"/>.</summary>
internal sealed class ResponseFormatter(EndpointKind kind, string id, long created, string model, bool includeUsage)
{
    private string Object => kind == EndpointKind.Chat ? "chat.completion" : "text_completion";

    private string ChunkObject => kind == EndpointKind.Chat ? "chat.completion.chunk" : "text_completion";

    /// <summary>The OpenAI name of a finish reason.</summary>
    public static string ToWire(FinishReason reason) => reason switch
    {
        FinishReason.Stop => "stop",
        FinishReason.Length => "length",
        FinishReason.Cancelled => "cancelled",
        _ => "error",
    };

    public void WriteCompletion(Utf8JsonWriter writer, string text, FinishReason reason, GenerationUsage usage)
    {
        writer.WriteStartObject();
        WriteHeader(writer, Object);
        writer.WriteStartArray("choices");
        writer.WriteStartObject();
        writer.WriteNumber("index", 0);
        if (kind == EndpointKind.Chat)
        {
            writer.WriteStartObject("message");
            writer.WriteString("role", "assistant");
            writer.WriteString("content", text);
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteString("text", text);
        }

        writer.WriteNull("logprobs");
        writer.WriteString("finish_reason", ToWire(reason));
        writer.WriteEndObject();
        writer.WriteEndArray();
        WriteUsage(writer, usage);
        writer.WriteEndObject();
    }

    /// <summary>A chunk with text; the first chat chunk also carries the assistant role.</summary>
    public void WriteDelta(Utf8JsonWriter writer, string text, bool first) =>
        WriteChunk(writer, text, first, finishReason: null);

    /// <summary>The last chunk with choices: no text, the finish reason.</summary>
    public void WriteFinish(Utf8JsonWriter writer, FinishReason reason, bool first) =>
        WriteChunk(writer, kind == EndpointKind.Chat ? null : string.Empty, first, ToWire(reason));

    /// <summary>The usage chunk sent when <c>stream_options.include_usage</c> is set: no choices.</summary>
    public void WriteUsageChunk(Utf8JsonWriter writer, GenerationUsage usage)
    {
        writer.WriteStartObject();
        WriteHeader(writer, ChunkObject);
        writer.WriteStartArray("choices");
        writer.WriteEndArray();
        WriteUsage(writer, usage);
        writer.WriteEndObject();
    }

    private void WriteChunk(Utf8JsonWriter writer, string? text, bool first, string? finishReason)
    {
        writer.WriteStartObject();
        WriteHeader(writer, ChunkObject);
        writer.WriteStartArray("choices");
        writer.WriteStartObject();
        writer.WriteNumber("index", 0);
        if (kind == EndpointKind.Chat)
        {
            writer.WriteStartObject("delta");
            if (first)
            {
                writer.WriteString("role", "assistant");
            }

            if (text is not null)
            {
                writer.WriteString("content", text);
            }

            writer.WriteEndObject();
        }
        else
        {
            writer.WriteString("text", text);
        }

        writer.WriteNull("logprobs");
        if (finishReason is null)
        {
            writer.WriteNull("finish_reason");
        }
        else
        {
            writer.WriteString("finish_reason", finishReason);
        }

        writer.WriteEndObject();
        writer.WriteEndArray();
        if (includeUsage)
        {
            writer.WriteNull("usage");
        }

        writer.WriteEndObject();
    }

    private void WriteHeader(Utf8JsonWriter writer, string objectName)
    {
        writer.WriteString("id", id);
        writer.WriteString("object", objectName);
        writer.WriteNumber("created", created);
        writer.WriteString("model", model);
        writer.WriteString("system_fingerprint", "gantry");
    }

    private static void WriteUsage(Utf8JsonWriter writer, GenerationUsage usage)
    {
        writer.WriteStartObject("usage");
        writer.WriteNumber("prompt_tokens", usage.PromptTokens);
        writer.WriteNumber("completion_tokens", usage.CompletionTokens);
        writer.WriteNumber("total_tokens", usage.PromptTokens + usage.CompletionTokens);
        writer.WriteEndObject();
    }
}
