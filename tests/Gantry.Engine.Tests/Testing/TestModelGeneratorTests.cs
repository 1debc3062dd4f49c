using Gantry.Testing;
using Gantry.Testing.Gguf;

namespace Gantry.Engine.Tests.Testing;

public sealed class TestModelGeneratorTests
{
    [Fact]
    public void Write_SameSeed_ProducesIdenticalBytes()
    {
        var first = WriteToArray(TestModels.Tiny);
        var second = WriteToArray(TestModels.Tiny);

        Assert.Equal(first, second);
    }

    [Fact]
    public void Write_DifferentSeed_ProducesDifferentWeights()
    {
        var first = WriteToArray(TestModels.Tiny);
        var second = WriteToArray(TestModels.Tiny with { Seed = 2 });

        Assert.Equal(first.Length, second.Length);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Write_Header_HasMagicAndVersion3()
    {
        var bytes = WriteToArray(TestModels.Tiny);

        Assert.Equal("GGUF"u8.ToArray(), bytes[..4]);
        Assert.Equal(3u, BitConverter.ToUInt32(bytes, 4));
    }

    [Theory]
    [InlineData(GgufTensorType.F16)]
    [InlineData(GgufTensorType.F32)]
    public void Describe_FileSize_MatchesWrittenLength(GgufTensorType type)
    {
        var spec = TestModels.Tiny with { TensorType = type };

        var bytes = WriteToArray(spec);
        var info = TestModelGenerator.Describe(spec);

        Assert.Equal(bytes.LongLength, info.FileSize);
    }

    [Fact]
    public void Describe_Bench_HasAboutFiftyMillionParameters()
    {
        var info = TestModelGenerator.Describe(TestModels.Bench);

        Assert.Equal(32000, info.VocabularySize);
        Assert.InRange(info.ParameterCount, 45_000_000, 60_000_000);
    }

    [Fact]
    public void Validate_InvalidShape_ListsEveryProblem()
    {
        var spec = TestModels.Tiny with { EmbeddingLength = 66, HeadCountKv = 3, BlockCount = 0 };

        var exception = Assert.Throws<ArgumentException>(spec.Validate);

        Assert.Contains("BlockCount", exception.Message);
        Assert.Contains("EmbeddingLength (66)", exception.Message);
        Assert.Contains("HeadCountKv (3)", exception.Message);
    }

    [Fact]
    public void GetPath_ParallelCalls_WriteOneValidFile()
    {
        var spec = TestModels.Tiny with { Seed = 77 };

        var paths = new string[8];
        Parallel.For(0, paths.Length, i => paths[i] = TestModels.GetPath(spec));

        Assert.All(paths, path => Assert.Equal(paths[0], path));
        Assert.Equal(WriteToArray(spec), File.ReadAllBytes(paths[0]));
    }

    [Fact]
    public void Vocabulary_ByteTokens_CoverEveryByte()
    {
        var vocabulary = TestVocabulary.Create(extraPieces: 0, includeChatMLTokens: false);

        for (var value = 0; value < 256; value++)
        {
            Assert.Equal($"<0x{value:X2}>", vocabulary.Tokens[TestVocabulary.FirstByteId + value]);
            Assert.Equal((int)TestTokenType.Byte, vocabulary.Types[TestVocabulary.FirstByteId + value]);
        }
    }

    private static byte[] WriteToArray(TestModelSpec spec)
    {
        using var stream = new MemoryStream();
        TestModelGenerator.Write(spec, stream);
        return stream.ToArray();
    }
}
