using System.Text.Json;
using Gantry.Api.Inference;
using Gantry.Engine;

namespace Gantry.Feedback;

/// <summary>
/// Turns each finished completion into a <see cref="CompletionRecord"/> and stores it before the server writes the
/// final chunk. Cancelled and failed generations are not recorded, since the client received no complete response.
/// </summary>
public sealed class FeedbackCompletionSink(ICompletionRecorder recorder) : ICompletionSink
{
    /// <inheritdoc />
    public async ValueTask OnCompletedAsync(CompletedExchange exchange, CancellationToken cancellationToken)
    {
        if (exchange.FinishReason is FinishReason.Cancelled or FinishReason.Error)
        {
            return;
        }

        await recorder.RecordAsync(ToRecord(exchange), cancellationToken);
    }

    /// <summary>Maps an exchange to a record with the full text. The recorder drops what the capture mode excludes.</summary>
    public static CompletionRecord ToRecord(CompletedExchange exchange) => new()
    {
        Id = exchange.Id,
        Created = exchange.Created,
        Model = exchange.Model,
        Endpoint = exchange.Kind == EndpointKind.Chat ? "chat" : "completions",
        Tenant = exchange.Tenant,
        KeyId = exchange.KeyName,
        ParametersJson = WriteParameters(exchange.Request),
        PromptTokens = exchange.Usage.PromptTokens,
        CompletionTokens = exchange.Usage.CompletionTokens,
        LatencySeconds = exchange.LatencySeconds,
        FinishReason = exchange.FinishReason == FinishReason.Length ? "length" : "stop",
        Messages = WriteMessages(exchange.Request),
        Completion = exchange.Text,
    };

    private static string WriteParameters(InferenceRequest request)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            var sampling = request.Sampling;
            writer.WriteStartObject();
            writer.WriteNumber("temperature", sampling.Temperature);
            writer.WriteNumber("top_p", sampling.TopP);
            writer.WriteNumber("top_k", sampling.TopK);
            writer.WriteNumber("min_p", sampling.MinP);
            writer.WriteNumber("frequency_penalty", sampling.FrequencyPenalty);
            writer.WriteNumber("presence_penalty", sampling.PresencePenalty);
            writer.WriteNumber("repetition_penalty", sampling.RepetitionPenalty);
            if (request.MaxTokens is { } maxTokens)
            {
                writer.WriteNumber("max_tokens", maxTokens);
            }

            if (sampling.Seed is { } seed)
            {
                writer.WriteNumber("seed", seed);
            }

            writer.WriteStartArray("stop");
            foreach (var stop in request.Stop)
            {
                writer.WriteStringValue(stop);
            }

            writer.WriteEndArray();
            writer.WriteBoolean("stream", request.Stream);
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string WriteMessages(InferenceRequest request)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            var messages = request.Messages ?? [new ChatMessage("user", request.Prompt ?? string.Empty)];
            foreach (var message in messages)
            {
                writer.WriteStartObject();
                writer.WriteString("role", message.Role);
                writer.WriteString("content", message.Content);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
