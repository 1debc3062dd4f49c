using System.Text;

namespace Gantry.Upstream;

/// <summary>
/// Reads the <c>data</c> payloads of a server-sent event stream one event at a time, as they arrive. Stricter
/// than the SSE specification: a line that is not blank, a comment or one of the fields data, event, id and
/// retry raises <see cref="UpstreamProtocolException"/>, because an OpenAI-compatible server never sends one
/// and such a line means the upstream is not speaking SSE. Not thread safe.
/// </summary>
public sealed class ServerSentEventReader : IDisposable
{
    /// <summary>Maximum length of one line, in characters; a longer line is a protocol error.</summary>
    public const int MaxLineLength = 4 * 1024 * 1024;

    private readonly StreamReader _reader;
    private readonly StringBuilder _data = new();

    /// <summary>Creates a reader over a response body, which it disposes.</summary>
    public ServerSentEventReader(Stream stream)
    {
        _reader = new StreamReader(stream, new UTF8Encoding(false, throwOnInvalidBytes: true), false, 16 * 1024);
    }

    /// <summary>
    /// Returns the next event's data, the data lines joined with line feeds, or null when the stream ends.
    /// Events without data are skipped. An event cut off by the end of the stream is dropped, as the SSE
    /// specification requires.
    /// </summary>
    public async Task<string?> ReadEventAsync(CancellationToken cancellationToken)
    {
        _data.Clear();
        var hasData = false;
        while (true)
        {
            string? line;
            try
            {
                line = await _reader.ReadLineAsync(cancellationToken);
            }
            catch (DecoderFallbackException exception)
            {
                throw new UpstreamProtocolException("The upstream sent bytes that are not valid UTF-8.", exception);
            }

            if (line is null)
            {
                return null;
            }

            if (line.Length > MaxLineLength)
            {
                throw new UpstreamProtocolException($"The upstream sent a line longer than {MaxLineLength} characters.");
            }

            if (line.Length == 0)
            {
                if (hasData)
                {
                    return _data.ToString();
                }

                continue;
            }

            if (line[0] == ':')
            {
                continue;
            }

            var colon = line.IndexOf(':');
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? string.Empty : line[(colon + 1)..];
            if (value.StartsWith(' '))
            {
                value = value[1..];
            }

            switch (field)
            {
                case "data":
                    if (hasData)
                    {
                        _data.Append('\n');
                    }

                    _data.Append(value);
                    hasData = true;
                    break;
                case "event" or "id" or "retry":
                    break;
                default:
                    throw new UpstreamProtocolException(
                        $"The upstream sent a line that is not server-sent events: '{Shorten(line)}'.");
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _reader.Dispose();

    private static string Shorten(string line) => line.Length <= 80 ? line : line[..80] + "…";
}
