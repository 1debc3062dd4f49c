using Gantry.Feedback;

namespace Gantry.Hosting;

/// <summary>Dispatches the <c>gantry</c> subcommands.</summary>
public static class GantryCommand
{
    /// <summary>Runs the subcommand named by the first argument and returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var command = args.Length > 0 ? args[0] : "help";
        var rest = args.Length > 0 ? args[1..] : [];
        switch (command)
        {
            case "serve":
                return await ServeCommand.RunAsync(rest);
            case "feedback" when rest.Length > 0 && rest[0] == "export":
                return await FeedbackExportCommand.RunAsync(rest[1..], Console.Out, Console.Error, CancellationToken.None);
            case "feedback":
                Console.Error.WriteLine("The feedback command has one subcommand: export.");
                FeedbackExportCommand.WriteHelp(Console.Error);
                return 2;
            case "bench":
                return await Gantry.Bench.BenchCommand.RunAsync(rest, CancellationToken.None);
            case "help" or "--help" or "-h":
                WriteUsage(Console.Out);
                return 0;
            default:
                Console.Error.WriteLine($"Unknown command '{command}'.");
                WriteUsage(Console.Error);
                return 2;
        }
    }

    private static void WriteUsage(TextWriter writer)
    {
        writer.WriteLine("Usage: gantry <command> [options]");
        writer.WriteLine();
        writer.WriteLine("Commands:");
        writer.WriteLine("  serve     serve a GGUF model through an OpenAI-compatible API");
        writer.WriteLine("  feedback  write training datasets from stored feedback (feedback export)");
        writer.WriteLine("  bench     measure the throughput and latency of an OpenAI-compatible server");
        writer.WriteLine();
        writer.WriteLine("Run 'gantry <command> --help' for the options of a command.");
    }
}
