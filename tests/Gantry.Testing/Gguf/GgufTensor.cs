namespace Gantry.Testing.Gguf;

/// <summary>
/// One tensor to write into a GGUF file.
/// </summary>
/// <param name="Name">Tensor name, for example <c>blk.0.attn_q.weight</c>.</param>
/// <param name="Type">Element type stored in the file.</param>
/// <param name="Dimensions">
/// Dimensions in ggml order: the first entry is the innermost (contiguous) one.
/// </param>
/// <param name="Fill">
/// Callback that fills the next chunk of elements. The writer calls it for consecutive chunks in
/// element order until the tensor is complete, so a stateful generator produces the whole tensor.
/// </param>
public sealed record GgufTensor(string Name, GgufTensorType Type, long[] Dimensions, Action<Span<float>> Fill)
{
    /// <summary>Number of elements (the product of the dimensions).</summary>
    public long ElementCount => Dimensions.Aggregate(1L, (product, dimension) => product * dimension);

    /// <summary>Size of the tensor's data in bytes.</summary>
    public long ByteCount => ElementCount * (Type == GgufTensorType.F16 ? 2 : 4);
}
