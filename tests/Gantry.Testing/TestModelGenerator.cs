using Gantry.Testing.Gguf;

namespace Gantry.Testing;

/// <summary>
/// Generates GGUF files of llama-architecture models with random weights.
/// </summary>
public static class TestModelGenerator
{
    /// <summary>
    /// Revision of the generated layout. Bump it whenever a change alters the bytes written for a
    /// spec, so that cached files from older revisions are not reused.
    /// </summary>
    public const int FormatRevision = 1;

    private const float RmsNormEpsilon = 1e-5f;
    private const float RopeFrequencyBase = 10000f;

    /// <summary>Writes the model described by <paramref name="spec"/> to <paramref name="stream"/>.</summary>
    public static TestModelInfo Write(TestModelSpec spec, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var writer = CreateWriter(spec, out var info);
        writer.WriteTo(stream);
        return info;
    }

    /// <summary>
    /// Writes the model to <paramref name="path"/>, replacing any existing file. The file appears
    /// under its final name only once complete.
    /// </summary>
    public static TestModelInfo WriteFile(TestModelSpec spec, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fullPath = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        var temporaryPath = $"{fullPath}.{Guid.NewGuid():N}.tmp";
        try
        {
            TestModelInfo info;
            using (var file = new FileStream(temporaryPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                info = Write(spec, file);
            }

            File.Move(temporaryPath, fullPath, overwrite: true);
            return info;
        }
        finally
        {
            File.Delete(temporaryPath);
        }
    }

    /// <summary>Computes the figures of the model without generating any weights.</summary>
    public static TestModelInfo Describe(TestModelSpec spec)
    {
        CreateWriter(spec, out var info);
        return info;
    }

    private static GgufWriter CreateWriter(TestModelSpec spec, out TestModelInfo info)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        var vocabulary = TestVocabulary.Create(
            spec.ExtraVocabularyPieces,
            includeChatMLTokens: spec.ChatTemplate?.Contains("<|im_start|>", StringComparison.Ordinal) == true);

        var writer = new GgufWriter();
        AddModelMetadata(writer, spec, vocabulary.Count);
        AddTokenizerMetadata(writer, spec, vocabulary);
        AddTensors(writer, spec, vocabulary.Count);

        var parameterCount = writer.Tensors.Sum(tensor => tensor.ElementCount);
        info = new TestModelInfo(parameterCount, writer.ComputeFileSize(), vocabulary.Count);
        return writer;
    }

    private static void AddModelMetadata(GgufWriter writer, TestModelSpec spec, int vocabularySize)
    {
        writer.AddString("general.architecture", "llama");
        writer.AddString("general.name", spec.Name);

        // general.file_type: 0 means all F32, 1 means mostly F16 (llama_ftype numbering).
        writer.AddUInt32("general.file_type", spec.TensorType == GgufTensorType.F16 ? 1u : 0u);
        writer.AddUInt32("general.alignment", GgufWriter.Alignment);
        writer.AddUInt32("llama.vocab_size", (uint)vocabularySize);
        writer.AddUInt32("llama.context_length", (uint)spec.ContextLength);
        writer.AddUInt32("llama.embedding_length", (uint)spec.EmbeddingLength);
        writer.AddUInt32("llama.block_count", (uint)spec.BlockCount);
        writer.AddUInt32("llama.feed_forward_length", (uint)spec.FeedForwardLength);
        writer.AddUInt32("llama.attention.head_count", (uint)spec.HeadCount);
        writer.AddUInt32("llama.attention.head_count_kv", (uint)spec.HeadCountKv);
        writer.AddUInt32("llama.rope.dimension_count", (uint)spec.HeadDimension);
        writer.AddFloat32("llama.rope.freq_base", RopeFrequencyBase);
        writer.AddFloat32("llama.attention.layer_norm_rms_epsilon", RmsNormEpsilon);
    }

    private static void AddTokenizerMetadata(GgufWriter writer, TestModelSpec spec, TestVocabulary vocabulary)
    {
        writer.AddString("tokenizer.ggml.model", "llama");
        writer.AddStringArray("tokenizer.ggml.tokens", vocabulary.Tokens);
        writer.AddFloat32Array("tokenizer.ggml.scores", vocabulary.Scores);
        writer.AddInt32Array("tokenizer.ggml.token_type", vocabulary.Types);
        writer.AddUInt32("tokenizer.ggml.bos_token_id", TestVocabulary.BosId);
        writer.AddUInt32("tokenizer.ggml.eos_token_id", TestVocabulary.EosId);
        writer.AddUInt32("tokenizer.ggml.unknown_token_id", TestVocabulary.UnknownId);
        writer.AddBool("tokenizer.ggml.add_bos_token", true);
        writer.AddBool("tokenizer.ggml.add_eos_token", false);
        if (spec.ChatTemplate is not null)
        {
            writer.AddString("tokenizer.chat_template", spec.ChatTemplate);
        }
    }

    private static void AddTensors(GgufWriter writer, TestModelSpec spec, int vocabularySize)
    {
        var embedding = spec.EmbeddingLength;
        var keyValueWidth = spec.HeadDimension * spec.HeadCountKv;

        // Dimensions are in ggml order, innermost first: a [in, out] weight maps in -> out.
        AddMatrix(writer, spec, "token_embd.weight", embedding, vocabularySize);
        for (var block = 0; block < spec.BlockCount; block++)
        {
            var prefix = $"blk.{block}.";
            AddNorm(writer, prefix + "attn_norm.weight", embedding);
            AddMatrix(writer, spec, prefix + "attn_q.weight", embedding, embedding);
            AddMatrix(writer, spec, prefix + "attn_k.weight", embedding, keyValueWidth);
            AddMatrix(writer, spec, prefix + "attn_v.weight", embedding, keyValueWidth);
            AddMatrix(writer, spec, prefix + "attn_output.weight", embedding, embedding);
            AddNorm(writer, prefix + "ffn_norm.weight", embedding);
            AddMatrix(writer, spec, prefix + "ffn_gate.weight", embedding, spec.FeedForwardLength);
            AddMatrix(writer, spec, prefix + "ffn_up.weight", embedding, spec.FeedForwardLength);
            AddMatrix(writer, spec, prefix + "ffn_down.weight", spec.FeedForwardLength, embedding);
        }

        AddNorm(writer, "output_norm.weight", embedding);
        AddMatrix(writer, spec, "output.weight", embedding, vocabularySize);
    }

    private static void AddMatrix(GgufWriter writer, TestModelSpec spec, string name, int inputs, int outputs)
    {
        // Uniform weights scaled by 1/sqrt(inputs) keep activations near unit size, so logits
        // differ between tokens without overflowing F16.
        var scale = 1f / MathF.Sqrt(inputs);
        var random = new SplitMix64(SplitMix64.DeriveSeed(spec.Seed, name));
        writer.AddTensor(new GgufTensor(name, spec.TensorType, [inputs, outputs], chunk =>
        {
            for (var i = 0; i < chunk.Length; i++)
            {
                chunk[i] = random.NextSignedUnit() * scale;
            }
        }));
    }

    private static void AddNorm(GgufWriter writer, string name, int width) =>
        writer.AddTensor(new GgufTensor(name, GgufTensorType.F32, [width], chunk => chunk.Fill(1f)));
}
