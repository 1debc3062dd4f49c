using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Gantry.Testing.Gguf;

namespace Gantry.Testing;

/// <summary>
/// Shape and contents of a generated llama-architecture test model.
/// </summary>
/// <remarks>
/// The same spec always produces a byte-identical file. Weights are random, so the model's
/// output is gibberish. It exists to exercise loading, tokenizing, decoding and sampling.
/// </remarks>
public sealed record TestModelSpec
{
    /// <summary>Embedding width (<c>llama.embedding_length</c>). Must be a multiple of <see cref="HeadCount"/>.</summary>
    public int EmbeddingLength { get; init; } = 64;

    /// <summary>Number of transformer blocks (<c>llama.block_count</c>).</summary>
    public int BlockCount { get; init; } = 2;

    /// <summary>Number of attention heads.</summary>
    public int HeadCount { get; init; } = 4;

    /// <summary>Number of key-value heads, which must divide <see cref="HeadCount"/>.</summary>
    public int HeadCountKv { get; init; } = 2;

    /// <summary>Feed-forward width (<c>llama.feed_forward_length</c>).</summary>
    public int FeedForwardLength { get; init; } = 128;

    /// <summary>Training context length in tokens (<c>llama.context_length</c>).</summary>
    public int ContextLength { get; init; } = 4096;

    /// <summary>Number of generated letter-combination pieces added to the base vocabulary.</summary>
    public int ExtraVocabularyPieces { get; init; }

    /// <summary>Seed of the random weights.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Element type of the weight matrices. Norm weights are always F32.</summary>
    public GgufTensorType TensorType { get; init; } = GgufTensorType.F16;

    /// <summary>Jinja chat template written to <c>tokenizer.chat_template</c>, or null for none.</summary>
    public string? ChatTemplate { get; init; } = TestChatTemplates.ChatML;

    /// <summary>Model name written to <c>general.name</c>.</summary>
    public string Name { get; init; } = "gantry-test";

    /// <summary>Dimension of one attention head.</summary>
    public int HeadDimension => EmbeddingLength / HeadCount;

    /// <summary>Throws <see cref="ArgumentException"/> listing every invalid value.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        RequirePositive(errors, EmbeddingLength, nameof(EmbeddingLength));
        RequirePositive(errors, BlockCount, nameof(BlockCount));
        RequirePositive(errors, HeadCount, nameof(HeadCount));
        RequirePositive(errors, HeadCountKv, nameof(HeadCountKv));
        RequirePositive(errors, FeedForwardLength, nameof(FeedForwardLength));
        RequirePositive(errors, ContextLength, nameof(ContextLength));
        if (ExtraVocabularyPieces < 0)
        {
            errors.Add($"{nameof(ExtraVocabularyPieces)} must not be negative, got {ExtraVocabularyPieces}.");
        }

        if (HeadCount > 0 && EmbeddingLength % HeadCount != 0)
        {
            errors.Add($"{nameof(EmbeddingLength)} ({EmbeddingLength}) must be a multiple of {nameof(HeadCount)} ({HeadCount}).");
        }

        if (HeadCountKv > 0 && HeadCount % HeadCountKv != 0)
        {
            errors.Add($"{nameof(HeadCount)} ({HeadCount}) must be a multiple of {nameof(HeadCountKv)} ({HeadCountKv}).");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid test model spec: " + string.Join(" ", errors));
        }
    }

    /// <summary>
    /// Returns a short hash of every field, used to name cached files. Two specs with the same
    /// key produce the same file.
    /// </summary>
    public string ComputeCacheKey()
    {
        var text = string.Join(
            '|',
            TestModelGenerator.FormatRevision.ToString(CultureInfo.InvariantCulture),
            EmbeddingLength.ToString(CultureInfo.InvariantCulture),
            BlockCount.ToString(CultureInfo.InvariantCulture),
            HeadCount.ToString(CultureInfo.InvariantCulture),
            HeadCountKv.ToString(CultureInfo.InvariantCulture),
            FeedForwardLength.ToString(CultureInfo.InvariantCulture),
            ContextLength.ToString(CultureInfo.InvariantCulture),
            ExtraVocabularyPieces.ToString(CultureInfo.InvariantCulture),
            Seed.ToString(CultureInfo.InvariantCulture),
            TensorType.ToString(),
            ChatTemplate ?? "<none>",
            Name);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        return Convert.ToHexStringLower(hash.AsSpan(0, 8));
    }

    private static void RequirePositive(List<string> errors, int value, string name)
    {
        if (value <= 0)
        {
            errors.Add($"{name} must be positive, got {value}.");
        }
    }
}
