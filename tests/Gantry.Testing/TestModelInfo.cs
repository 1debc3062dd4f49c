namespace Gantry.Testing;

/// <summary>
/// Figures of a generated model file.
/// </summary>
/// <param name="ParameterCount">Total number of weights over all tensors.</param>
/// <param name="FileSize">Size of the GGUF file in bytes.</param>
/// <param name="VocabularySize">Number of tokens in the vocabulary.</param>
public sealed record TestModelInfo(long ParameterCount, long FileSize, int VocabularySize);
