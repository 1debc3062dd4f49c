using System.Buffers;
using System.Text.Json;

namespace Gantry.Bench;

/// <summary>
/// Builds the JSON body of a streamed benchmark request. Every body sets <c>stream: true</c> with
/// <c>stream_options.include_usage</c>, and <c>ignore_eos: true</c> (an extension that vLLM and llama.cpp's
/// server accept) so that every request generates exactly <c>max_tokens</c> tokens.
/// </summary>
public static class RequestBodyBuilder
{
    /// <summary>
    /// Builds the body for <paramref name="endpoint"/> as UTF-8 JSON; <paramref name="temperature"/> is sent
    /// only when not null.
    /// </summary>
    public static byte[] Build(BenchEndpoint endpoint, string model, string prompt, int maxTokens, double? temperature = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(prompt);
        var buffer = new ArrayBufferWriter<byte>(prompt.Length + 256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("model", model);
            if (endpoint == BenchEndpoint.Chat)
            {
                writer.WriteStartArray("messages");
                writer.WriteStartObject();
                writer.WriteString("role", "user");
                writer.WriteString("content", prompt);
                writer.WriteEndObject();
                writer.WriteEndArray();
            }
            else
            {
                writer.WriteString("prompt", prompt);
            }

            writer.WriteNumber("max_tokens", maxTokens);
            writer.WriteBoolean("ignore_eos", true);
            if (temperature is { } value)
            {
                writer.WriteNumber("temperature", value);
            }

            writer.WriteBoolean("stream", true);
            writer.WriteStartObject("stream_options");
            writer.WriteBoolean("include_usage", true);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
