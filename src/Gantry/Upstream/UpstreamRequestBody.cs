using System.Buffers;
using System.Text.Json;

namespace Gantry.Upstream;

/// <summary>Builds the body sent upstream from the client's validated body.</summary>
internal static class UpstreamRequestBody
{
    /// <summary>
    /// Copies every field of <paramref name="root"/> unchanged except two: <c>model</c> becomes
    /// <paramref name="upstreamModel"/>, and a streamed request always requests
    /// <c>stream_options.include_usage</c>, because Gantry needs the token counts even when the client does not.
    /// </summary>
    public static byte[] Build(JsonElement root, string upstreamModel, bool stream)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            var wroteStreamOptions = false;
            foreach (var property in root.EnumerateObject())
            {
                if (property.NameEquals("model"))
                {
                    writer.WriteString("model", upstreamModel);
                }
                else if (property.NameEquals("stream_options") && stream)
                {
                    WriteStreamOptions(writer, property.Value);
                    wroteStreamOptions = true;
                }
                else
                {
                    property.WriteTo(writer);
                }
            }

            if (stream && !wroteStreamOptions)
            {
                WriteStreamOptions(writer, default);
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteStreamOptions(Utf8JsonWriter writer, JsonElement original)
    {
        writer.WriteStartObject("stream_options");
        if (original.ValueKind == JsonValueKind.Object)
        {
            foreach (var option in original.EnumerateObject())
            {
                if (!option.NameEquals("include_usage"))
                {
                    option.WriteTo(writer);
                }
            }
        }

        writer.WriteBoolean("include_usage", true);
        writer.WriteEndObject();
    }
}
