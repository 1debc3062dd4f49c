using System.Text;
using Gantry.Testing;
using LLama;
using LLama.Common;
using LLama.Native;
using LLama.Sampling;

namespace Gantry.Engine.Tests.Testing;

public sealed class GeneratedModelLoadTests
{
    public GeneratedModelLoadTests()
    {
        NativeLogSilencer.EnsureConfigured();
    }

    [Fact]
    public void Load_Tiny_ReportsShape()
    {
        var info = TestModelGenerator.Describe(TestModels.Tiny);

        using var weights = LoadWeights(TestModels.Tiny);

        Assert.Equal(info.VocabularySize, weights.Vocab.Count);
        Assert.Equal(TestModels.Tiny.EmbeddingLength, weights.EmbeddingSize);
        Assert.Equal(TestModels.Tiny.ContextLength, weights.ContextSize);
        Assert.Equal((ulong)info.ParameterCount, weights.ParameterCount);
        Assert.Equal(LLamaVocabType.SentencePiece, weights.Vocab.Type);
        Assert.Equal(TestVocabulary.BosId, (int)weights.Vocab.BOS!.Value);
        Assert.Equal(TestVocabulary.EosId, (int)weights.Vocab.EOS!.Value);
    }

    [Fact]
    public void Load_F32_Succeeds()
    {
        var spec = TestModels.Tiny with { TensorType = Gantry.Testing.Gguf.GgufTensorType.F32 };

        using var weights = LoadWeights(spec);

        Assert.Equal(TestModels.Tiny.EmbeddingLength, weights.EmbeddingSize);
    }

    [Theory]
    [InlineData("Hello world")]
    [InlineData("the model is a test")]
    [InlineData("Café crème, naïve façade")]
    [InlineData("日本語のテキスト and 中文")]
    [InlineData("emoji 😀🚀 and 🦀 ☃ ∑")]
    [InlineData("tabs\tand\nnew lines\r\n  double  spaces")]
    [InlineData("xyzzy qwfp zzz")]
    public void Tokenize_AnyText_RoundTrips(string text)
    {
        using var weights = LoadWeights(TestModels.Tiny);

        var tokens = weights.Tokenize(text, add_bos: true, special: false, Encoding.UTF8);
        var decoder = new StreamingTokenDecoder(Encoding.UTF8, weights);
        decoder.AddRange(tokens.AsSpan(1));
        var decoded = decoder.Read();

        Assert.Equal(TestVocabulary.BosId, (int)tokens[0]);
        Assert.All(tokens, token => Assert.NotEqual(TestVocabulary.UnknownId, (int)token));
        Assert.Equal(" " + text, decoded);
    }

    [Fact]
    public void Tokenize_KnownWords_UseWholeWordPieces()
    {
        using var weights = LoadWeights(TestModels.Tiny);

        var tokens = weights.Tokenize("hello world", add_bos: false, special: false, Encoding.UTF8);

        Assert.Equal(2, tokens.Length);
    }

    [Fact]
    public void Tokenize_ChatMLMarkers_AreSingleControlTokens()
    {
        using var weights = LoadWeights(TestModels.Tiny);

        var tokens = weights.Tokenize("<|im_start|>user", add_bos: false, special: true, Encoding.UTF8);

        Assert.True(tokens[0].IsControl(weights.Vocab));
        Assert.Equal("<|im_start|>", weights.Vocab.LLamaTokenToString(tokens[0], isSpecialToken: true));
    }

    [Fact]
    public void Metadata_ChatTemplate_IsReadable()
    {
        using var weights = LoadWeights(TestModels.Tiny);

        Assert.Equal(TestChatTemplates.ChatML, weights.Metadata["tokenizer.chat_template"]);
        Assert.Equal("llama", weights.Metadata["general.architecture"]);
    }

    [Fact]
    public void Template_ChatML_FormatsMessages()
    {
        using var weights = LoadWeights(TestModels.Tiny);
        var template = new LLamaTemplate(weights) { AddAssistant = true };
        template.Add("user", "Hi");

        var text = Encoding.UTF8.GetString(template.Apply());

        Assert.Equal("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", text);
    }

    [Fact]
    public void Metadata_WithoutTemplate_HasNoChatTemplate()
    {
        using var weights = LoadWeights(TestModels.TinyWithoutTemplate);

        Assert.False(weights.Metadata.ContainsKey("tokenizer.chat_template"));
    }

    [Fact]
    public void Decode_Prompt_SamplesTokensInVocabulary()
    {
        using var weights = LoadWeights(TestModels.Tiny);
        using var context = weights.CreateContext(CreateParams(TestModels.Tiny));
        var prompt = context.Tokenize("Hello world, this is a test", addBos: true);
        var batch = new LLamaBatch();
        batch.AddRange(prompt, 0, LLamaSeqId.Zero, true);
        using var sampler = new DefaultSamplingPipeline { Seed = 42, Temperature = 1.0f };

        var generated = new List<LLamaToken>();
        Assert.Equal(DecodeResult.Ok, context.Decode(batch));
        for (var i = 0; i < 16; i++)
        {
            var token = sampler.Sample(context.NativeHandle, batch.TokenCount - 1);
            generated.Add(token);
            batch.Clear();
            batch.Add(token, prompt.Length + i, LLamaSeqId.Zero, true);
            Assert.Equal(DecodeResult.Ok, context.Decode(batch));
        }

        Assert.Equal(16, generated.Count);
        Assert.All(generated, token => Assert.InRange((int)token, 0, weights.Vocab.Count - 1));
        Assert.True(generated.Distinct().Count() > 1, "Sampling with temperature 1 repeated one token 16 times.");
    }

    private static LLamaWeights LoadWeights(TestModelSpec spec) =>
        LLamaWeights.LoadFromFile(CreateParams(spec));

    private static ModelParams CreateParams(TestModelSpec spec) => new(TestModels.GetPath(spec))
    {
        GpuLayerCount = 0,
        ContextSize = 256,
        BatchSize = 256,
        Threads = 1,
    };
}
