using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Gantry.IntegrationTests.Infrastructure;

/// <summary>Reads raw server-sent events, checking that every event is valid UTF-8 on its own.</summary>
public static class ServerSentEvents
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Sends a streaming request and returns the response once its headers have arrived.</summary>
    public static async Task<HttpResponseMessage> PostStreamAsync(HttpClient client, string path, object body,
        CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Json.Content(body) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    /// <summary>
    /// Yields the payload of each <c>data:</c> event. Throws when an event's bytes are not valid UTF-8 by
    /// themselves, which is what a character split across two events looks like.
    /// </summary>
    public static async IAsyncEnumerable<string> ReadDataAsync(HttpResponseMessage response,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[16 * 1024];
        var pending = new MemoryStream();
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            pending.Write(buffer, 0, read);
            foreach (var payload in TakeEvents(pending))
            {
                yield return payload;
            }
        }
    }

    /// <summary>The text of a chat or completion chunk, or null for chunks without text.</summary>
    public static string? GetText(JsonElement chunk)
    {
        var choices = chunk.GetProperty("choices");
        if (choices.GetArrayLength() == 0)
        {
            return null;
        }

        var choice = choices[0];
        if (choice.TryGetProperty("delta", out var delta))
        {
            return delta.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String
                ? content.GetString()
                : null;
        }

        return choice.GetProperty("text").GetString();
    }

    private static List<string> TakeEvents(MemoryStream pending)
    {
        var events = new List<string>();
        var bytes = pending.ToArray();
        var start = 0;
        for (var i = 0; i + 1 < bytes.Length; i++)
        {
            if (bytes[i] != (byte)'\n' || bytes[i + 1] != (byte)'\n')
            {
                continue;
            }

            var text = StrictUtf8.GetString(bytes, start, i - start);
            foreach (var line in text.Split('\n'))
            {
                if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    events.Add(line["data: ".Length..]);
                }
            }

            start = i + 2;
            i++;
        }

        pending.SetLength(0);
        pending.Write(bytes, start, bytes.Length - start);
        return events;
    }
}
