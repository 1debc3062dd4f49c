using System.Text;

namespace Gantry.Testing.Gguf;

/// <summary>
/// Writes GGUF version 3 files: a header, metadata key-value pairs, tensor descriptions and
/// aligned tensor data, all little-endian.
/// </summary>
/// <remarks>
/// Metadata and tensors are written in the order they were added, so the same calls produce
/// byte-identical files. Not thread-safe.
/// </remarks>
public sealed class GgufWriter
{
    /// <summary>The four bytes every GGUF file starts with.</summary>
    public static ReadOnlySpan<byte> Magic => "GGUF"u8;

    /// <summary>The format version this writer produces.</summary>
    public const uint Version = 3;

    /// <summary>Alignment of the tensor data section and of each tensor in it, in bytes.</summary>
    public const int Alignment = 32;

    private const int ChunkElements = 1 << 16;

    private readonly List<(string Key, Action<BinaryWriter> WriteValue)> _metadata = [];
    private readonly List<GgufTensor> _tensors = [];

    /// <summary>Tensors added so far, in file order.</summary>
    public IReadOnlyList<GgufTensor> Tensors => _tensors;

    /// <summary>Adds a string value.</summary>
    public void AddString(string key, string value) =>
        AddValue(key, writer => { WriteType(writer, GgufValueType.String); WriteString(writer, value); });

    /// <summary>Adds an unsigned 32-bit integer value.</summary>
    public void AddUInt32(string key, uint value) =>
        AddValue(key, writer => { WriteType(writer, GgufValueType.UInt32); writer.Write(value); });

    /// <summary>Adds a 32-bit float value.</summary>
    public void AddFloat32(string key, float value) =>
        AddValue(key, writer => { WriteType(writer, GgufValueType.Float32); writer.Write(value); });

    /// <summary>Adds a boolean value.</summary>
    public void AddBool(string key, bool value) =>
        AddValue(key, writer => { WriteType(writer, GgufValueType.Bool); writer.Write(value); });

    /// <summary>Adds an array of strings.</summary>
    public void AddStringArray(string key, IReadOnlyList<string> values) =>
        AddArray(key, GgufValueType.String, values.Count, (writer, i) => WriteString(writer, values[i]));

    /// <summary>Adds an array of 32-bit floats.</summary>
    public void AddFloat32Array(string key, IReadOnlyList<float> values) =>
        AddArray(key, GgufValueType.Float32, values.Count, (writer, i) => writer.Write(values[i]));

    /// <summary>Adds an array of signed 32-bit integers.</summary>
    public void AddInt32Array(string key, IReadOnlyList<int> values) =>
        AddArray(key, GgufValueType.Int32, values.Count, (writer, i) => writer.Write(values[i]));

    /// <summary>Adds a tensor. Its data is generated when the file is written.</summary>
    public void AddTensor(GgufTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (_tensors.Any(existing => existing.Name == tensor.Name))
        {
            throw new ArgumentException($"Tensor '{tensor.Name}' was already added.", nameof(tensor));
        }

        _tensors.Add(tensor);
    }

    /// <summary>Computes the size of the file that <see cref="WriteTo"/> would produce, in bytes.</summary>
    public long ComputeFileSize()
    {
        using var counter = new CountingStream(null);
        using var writer = new BinaryWriter(counter, Encoding.UTF8, leaveOpen: true);
        var size = WriteHeaderAndDescriptions(writer, counter);
        foreach (var tensor in _tensors)
        {
            size = Align(size) + tensor.ByteCount;
        }

        return size;
    }

    /// <summary>Writes the whole file to <paramref name="stream"/>, starting at its current position.</summary>
    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var counter = new CountingStream(stream);
        using var writer = new BinaryWriter(counter, Encoding.UTF8, leaveOpen: true);
        var position = WriteHeaderAndDescriptions(writer, counter);

        var floats = new float[ChunkElements];
        var bytes = new byte[ChunkElements * 4];
        foreach (var tensor in _tensors)
        {
            position = WritePadding(writer, position);
            WriteTensorData(writer, tensor, floats, bytes);
            position += tensor.ByteCount;
        }

        writer.Flush();
    }

    private long WriteHeaderAndDescriptions(BinaryWriter writer, CountingStream counter)
    {
        writer.Write(Magic);
        writer.Write(Version);
        writer.Write((ulong)_tensors.Count);
        writer.Write((ulong)_metadata.Count);
        foreach (var (key, writeValue) in _metadata)
        {
            WriteString(writer, key);
            writeValue(writer);
        }

        // Offsets are relative to the start of the data section, and each one is aligned.
        long offset = 0;
        foreach (var tensor in _tensors)
        {
            WriteString(writer, tensor.Name);
            writer.Write((uint)tensor.Dimensions.Length);
            foreach (var dimension in tensor.Dimensions)
            {
                writer.Write((ulong)dimension);
            }

            writer.Write((uint)tensor.Type);
            offset = Align(offset);
            writer.Write((ulong)offset);
            offset += tensor.ByteCount;
        }

        writer.Flush();
        return WritePadding(writer, counter.BytesWritten);
    }

    private static void WriteTensorData(BinaryWriter writer, GgufTensor tensor, float[] floats, byte[] bytes)
    {
        var remaining = tensor.ElementCount;
        while (remaining > 0)
        {
            var count = (int)Math.Min(remaining, ChunkElements);
            var chunk = floats.AsSpan(0, count);
            tensor.Fill(chunk);
            int byteCount;
            if (tensor.Type == GgufTensorType.F16)
            {
                for (var i = 0; i < count; i++)
                {
                    var bits = BitConverter.HalfToUInt16Bits((Half)chunk[i]);
                    bytes[2 * i] = (byte)bits;
                    bytes[(2 * i) + 1] = (byte)(bits >> 8);
                }

                byteCount = count * 2;
            }
            else
            {
                for (var i = 0; i < count; i++)
                {
                    BitConverter.TryWriteBytes(bytes.AsSpan(4 * i), chunk[i]);
                }

                byteCount = count * 4;
            }

            writer.Write(bytes, 0, byteCount);
            remaining -= count;
        }
    }

    private static long WritePadding(BinaryWriter writer, long position)
    {
        var aligned = Align(position);
        for (var i = position; i < aligned; i++)
        {
            writer.Write((byte)0);
        }

        return aligned;
    }

    private static long Align(long value) => (value + Alignment - 1) / Alignment * Alignment;

    private void AddValue(string key, Action<BinaryWriter> writeValue)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (_metadata.Any(entry => entry.Key == key))
        {
            throw new ArgumentException($"Metadata key '{key}' was already added.", nameof(key));
        }

        _metadata.Add((key, writeValue));
    }

    private void AddArray(string key, GgufValueType elementType, int count, Action<BinaryWriter, int> writeElement) =>
        AddValue(key, writer =>
        {
            WriteType(writer, GgufValueType.Array);
            WriteType(writer, elementType);
            writer.Write((ulong)count);
            for (var i = 0; i < count; i++)
            {
                writeElement(writer, i);
            }
        });

    private static void WriteType(BinaryWriter writer, GgufValueType type) => writer.Write((uint)type);

    private static void WriteString(BinaryWriter writer, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        writer.Write((ulong)bytes.Length);
        writer.Write(bytes);
    }
}
