using System.Globalization;
using Gantry.Testing;
using Gantry.Testing.Gguf;

namespace Gantry.ModelTool;

/// <summary>
/// Command-line entry point that writes a generated GGUF test model to a file.
/// </summary>
public static class Program
{
    private const string Usage =
        """
        Usage: gantry-modeltool --output PATH [options]

        Writes a llama-architecture GGUF model with random weights.

        Options:
          --output PATH            file to write (required)
          --preset tiny|bench      starting shape (default tiny)
          --dim N                  embedding width
          --layers N               number of transformer blocks
          --heads N                number of attention heads
          --kv-heads N             number of key-value heads
          --ff N                   feed-forward width
          --context N              training context length in tokens
          --vocab-extra N          generated vocabulary pieces added to the base vocabulary
          --seed N                 seed of the random weights (default 1)
          --f32                    store weight matrices as F32 instead of F16
          --chat-template chatml|none  chat template to embed (default chatml)
        """;

    /// <summary>Parses the arguments, writes the model and prints its figures.</summary>
    /// <returns>0 on success, 2 on invalid arguments.</returns>
    public static int Main(string[] args)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.Out.WriteLine(Usage);
            return 0;
        }

        string? output;
        TestModelSpec spec;
        try
        {
            (output, spec) = Parse(args);
            spec.Validate();
        }
        catch (ArgumentException exception)
        {
            Console.Error.WriteLine($"error: {exception.Message}");
            Console.Error.WriteLine(Usage);
            return 2;
        }

        var info = TestModelGenerator.WriteFile(spec, output);
        Console.Out.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"Wrote {Path.GetFullPath(output)}: {info.ParameterCount:N0} parameters, {info.FileSize:N0} bytes, {info.VocabularySize:N0} tokens"));
        return 0;
    }

    private static (string Output, TestModelSpec Spec) Parse(string[] args)
    {
        string? output = null;
        var spec = TestModels.Tiny;
        var overrides = new List<Func<TestModelSpec, TestModelSpec>>();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            switch (name)
            {
                case "--output":
                    output = ReadValue(args, ref i);
                    break;
                case "--preset":
                    spec = ReadValue(args, ref i) switch
                    {
                        "tiny" => TestModels.Tiny,
                        "bench" => TestModels.Bench,
                        var other => throw new ArgumentException($"Invalid preset '{other}'. Expected tiny or bench."),
                    };
                    break;
                case "--dim":
                    var dim = ReadInt(args, ref i);
                    overrides.Add(s => s with { EmbeddingLength = dim });
                    break;
                case "--layers":
                    var layers = ReadInt(args, ref i);
                    overrides.Add(s => s with { BlockCount = layers });
                    break;
                case "--heads":
                    var heads = ReadInt(args, ref i);
                    overrides.Add(s => s with { HeadCount = heads });
                    break;
                case "--kv-heads":
                    var kvHeads = ReadInt(args, ref i);
                    overrides.Add(s => s with { HeadCountKv = kvHeads });
                    break;
                case "--ff":
                    var ff = ReadInt(args, ref i);
                    overrides.Add(s => s with { FeedForwardLength = ff });
                    break;
                case "--context":
                    var context = ReadInt(args, ref i);
                    overrides.Add(s => s with { ContextLength = context });
                    break;
                case "--vocab-extra":
                    var extra = ReadInt(args, ref i);
                    overrides.Add(s => s with { ExtraVocabularyPieces = extra });
                    break;
                case "--seed":
                    var seedText = ReadValue(args, ref i);
                    if (!ulong.TryParse(seedText, NumberStyles.None, CultureInfo.InvariantCulture, out var seed))
                    {
                        throw new ArgumentException($"Invalid value '{seedText}' for --seed. Expected a non-negative integer.");
                    }

                    overrides.Add(s => s with { Seed = seed });
                    break;
                case "--f32":
                    overrides.Add(s => s with { TensorType = GgufTensorType.F32 });
                    break;
                case "--chat-template":
                    var template = ReadValue(args, ref i) switch
                    {
                        "chatml" => TestChatTemplates.ChatML,
                        "none" => null,
                        var other => throw new ArgumentException($"Invalid chat template '{other}'. Expected chatml or none."),
                    };
                    overrides.Add(s => s with { ChatTemplate = template });
                    break;
                default:
                    throw new ArgumentException($"Unknown option '{name}'.");
            }
        }

        if (output is null)
        {
            throw new ArgumentException("Missing required option --output.");
        }

        // Overrides apply after the preset, whatever the order on the command line.
        foreach (var apply in overrides)
        {
            spec = apply(spec);
        }

        return (output, spec);
    }

    private static string ReadValue(string[] args, ref int index)
    {
        if (index + 1 >= args.Length)
        {
            throw new ArgumentException($"Missing value for {args[index]}.");
        }

        index++;
        return args[index];
    }

    private static int ReadInt(string[] args, ref int index)
    {
        var name = args[index];
        var text = ReadValue(args, ref index);
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            throw new ArgumentException($"Invalid value '{text}' for {name}. Expected an integer.");
        }

        return value;
    }
}
