namespace Gantry.Testing.Gguf;

/// <summary>
/// Element types of GGUF tensors that the generator writes. The values are ggml's type codes.
/// </summary>
public enum GgufTensorType : uint
{
    /// <summary>32-bit float, 4 bytes per element.</summary>
    F32 = 0,

    /// <summary>IEEE 754 half-precision float, 2 bytes per element.</summary>
    F16 = 1,
}
