namespace Gantry.Testing.Gguf;

/// <summary>
/// Write-only stream that counts the bytes written and passes them on to an inner stream, or
/// discards them when there is none.
/// </summary>
internal sealed class CountingStream(Stream? inner) : Stream
{
    /// <summary>Number of bytes written so far.</summary>
    public long BytesWritten { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => BytesWritten;

    public override long Position
    {
        get => BytesWritten;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        inner?.Write(buffer);
        BytesWritten += buffer.Length;
    }

    public override void WriteByte(byte value)
    {
        inner?.WriteByte(value);
        BytesWritten++;
    }

    public override void Flush() => inner?.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
