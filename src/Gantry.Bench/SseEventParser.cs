using System.Buffers;
using System.Text;

namespace Gantry.Bench;

/// <summary>
/// Incremental parser of a <c>text/event-stream</c> body: bytes go in as they arrive, in reads of any size,
/// and the <c>data</c> of each complete event comes out. Lines end with LF or CRLF; a blank line ends an
/// event, lines starting with a colon are comments, and fields other than <c>data</c> are ignored. Bytes
/// are buffered until a line is complete before they are decoded, so a multi-byte UTF-8 character split
/// across two reads decodes correctly. Not thread-safe.
/// </summary>
/// <remarks>
/// NOTE: a lone CR as a line end, which the SSE format allows but no OpenAI-compatible server sends, is
/// not recognized.
/// </remarks>
public sealed class SseEventParser
{
    private readonly ArrayBufferWriter<byte> _pendingLine = new(256);
    private readonly StringBuilder _data = new();
    private bool _hasData;

    /// <summary>
    /// Parses <paramref name="bytes"/> and adds the data of every event they complete to
    /// <paramref name="events"/>, in order.
    /// </summary>
    public void Feed(ReadOnlySpan<byte> bytes, List<string> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        while (!bytes.IsEmpty)
        {
            var newline = bytes.IndexOf((byte)'\n');
            if (newline < 0)
            {
                _pendingLine.Write(bytes);
                return;
            }

            ReadOnlySpan<byte> line;
            if (_pendingLine.WrittenCount == 0)
            {
                line = bytes[..newline];
            }
            else
            {
                _pendingLine.Write(bytes[..newline]);
                line = _pendingLine.WrittenSpan;
            }

            if (!line.IsEmpty && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }

            ProcessLine(line, events);
            _pendingLine.ResetWrittenCount();
            bytes = bytes[(newline + 1)..];
        }
    }

    private void ProcessLine(ReadOnlySpan<byte> line, List<string> events)
    {
        if (line.IsEmpty)
        {
            if (_hasData)
            {
                events.Add(_data.ToString());
            }

            _data.Clear();
            _hasData = false;
            return;
        }

        if (line[0] == (byte)':')
        {
            return;
        }

        var colon = line.IndexOf((byte)':');
        var name = colon < 0 ? line : line[..colon];
        if (!name.SequenceEqual("data"u8))
        {
            return;
        }

        var value = colon < 0 ? [] : line[(colon + 1)..];
        if (!value.IsEmpty && value[0] == (byte)' ')
        {
            value = value[1..];
        }

        if (_hasData)
        {
            _data.Append('\n');
        }

        _data.Append(Encoding.UTF8.GetString(value));
        _hasData = true;
    }
}
