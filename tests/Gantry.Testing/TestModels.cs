using System.Collections.Concurrent;

namespace Gantry.Testing;

/// <summary>
/// Preset test models and a file cache that writes each spec once.
/// </summary>
/// <remarks>
/// Files are cached under <see cref="CacheDirectory"/>, named by <see cref="TestModelSpec.ComputeCacheKey"/>.
/// <see cref="GetPath"/> is safe to call from parallel tests and from several test processes at
/// once: each writer renames a complete temporary file into place, and the result is the same
/// bytes whichever writer wins.
/// </remarks>
public static class TestModels
{
    /// <summary>Environment variable that overrides <see cref="CacheDirectory"/>.</summary>
    public const string CacheDirectoryVariable = "GANTRY_TEST_MODELS_DIR";

    private static readonly ConcurrentDictionary<string, Lazy<string>> s_paths = new();

    /// <summary>
    /// A very small model (64-wide, 2 blocks, 4 heads of which 2 key-value heads, 487 tokens,
    /// ChatML template, F16) that loads in well under a second. Most tests use it.
    /// </summary>
    public static TestModelSpec Tiny { get; } = new()
    {
        EmbeddingLength = 64,
        BlockCount = 2,
        HeadCount = 4,
        HeadCountKv = 2,
        FeedForwardLength = 128,
        ContextLength = 4096,
        Name = "gantry-tiny",
    };

    /// <summary><see cref="Tiny"/> without a chat template, for the fallback chat format path.</summary>
    public static TestModelSpec TinyWithoutTemplate { get; } = Tiny with
    {
        ChatTemplate = null,
        Name = "gantry-tiny-no-template",
    };

    /// <summary>
    /// A model of realistic proportions for benchmarks: 512-wide, 6 blocks, 8 heads, feed-forward
    /// 1536 and a 32,000-token vocabulary, about 53 million parameters (about 106 MB in F16).
    /// </summary>
    public static TestModelSpec Bench { get; } = new()
    {
        EmbeddingLength = 512,
        BlockCount = 6,
        HeadCount = 8,
        HeadCountKv = 8,
        FeedForwardLength = 1536,
        ContextLength = 4096,
        ExtraVocabularyPieces = 32000 - TestVocabulary.Create(0, includeChatMLTokens: true).Count,
        Name = "gantry-bench",
    };

    /// <summary>
    /// Directory of cached model files: the value of <see cref="CacheDirectoryVariable"/> when
    /// set, otherwise <c>gantry-test-models</c> under the system temporary directory.
    /// </summary>
    public static string CacheDirectory
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable(CacheDirectoryVariable);
            return string.IsNullOrWhiteSpace(configured)
                ? Path.Combine(Path.GetTempPath(), "gantry-test-models")
                : configured;
        }
    }

    /// <summary>Returns the path of the file for <paramref name="spec"/>, writing it on first use.</summary>
    public static string GetPath(TestModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        var key = spec.ComputeCacheKey();
        var lazy = s_paths.GetOrAdd(key, k => new Lazy<string>(() => WriteIfMissing(spec, k)));
        return lazy.Value;
    }

    private static string WriteIfMissing(TestModelSpec spec, string key)
    {
        var path = Path.Combine(CacheDirectory, $"{spec.Name}-{key}.gguf");
        var expectedSize = TestModelGenerator.Describe(spec).FileSize;
        var existing = new FileInfo(path);
        if (!existing.Exists || existing.Length != expectedSize)
        {
            TestModelGenerator.WriteFile(spec, path);
        }

        return path;
    }
}
