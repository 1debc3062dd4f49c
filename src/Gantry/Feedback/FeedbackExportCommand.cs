using Gantry.Feedback.Datasets;
using Gantry.Feedback.Stores;

namespace Gantry.Feedback;

/// <summary>
/// <c>gantry feedback export</c>: writes a training dataset from stored feedback and prints a summary line.
/// The database comes from <c>--database</c> and <c>--data-dir</c>, else from <c>Gantry:Database</c> and
/// <c>Gantry:DataDir</c> in appsettings.json or the environment (<c>Gantry__Database</c>), else SQLite in <c>./.data</c>,
/// the same defaults as <c>gantry serve</c>.
/// </summary>
public static class FeedbackExportCommand
{
    /// <summary>Runs the export with the arguments after <c>export</c> and returns 0, 1 for a failed export or 2 for invalid arguments.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            WriteHelp(output);
            return 0;
        }

        if (!TryParse(args, out var parsed, out var problem))
        {
            await error.WriteLineAsync($"gantry feedback export: {problem}");
            await error.WriteLineAsync("Run 'gantry feedback export --help' for the options.");
            return 2;
        }

        try
        {
            await using var store = FeedbackStoreFactory.Create(parsed.Database, parsed.DataDir);
            await store.MigrateAsync(cancellationToken);
            var exporter = new DatasetExporter(store, TimeProvider.System);
            var summary = await exporter.ExportAsync(parsed.Format, parsed.Output, parsed.Incremental, parsed.Model, parsed.Tenant,
                cancellationToken);
            await output.WriteLineAsync(summary.ToString());
            return 0;
        }
        catch (Exception exception) when (exception is IOException or InvalidOperationException or InvalidDataException
            or UnauthorizedAccessException or System.Data.Common.DbException)
        {
            await error.WriteLineAsync($"gantry feedback export: export failed: {exception.Message}");
            return 1;
        }
    }

    /// <summary>Writes the usage text.</summary>
    public static void WriteHelp(TextWriter writer)
    {
        writer.WriteLine("Usage: gantry feedback export --format sft|dpo|parquet --output PATH [options]");
        writer.WriteLine();
        writer.WriteLine("Writes training data from stored feedback. Needs completions captured with --capture full.");
        writer.WriteLine();
        writer.WriteLine("  --format FORMAT    sft: JSON Lines {\"messages\"}; dpo: JSON Lines {\"prompt\",\"chosen\",\"rejected\"};");
        writer.WriteLine("                     parquet: directory PATH with sft-*.parquet and dpo-*.parquet");
        writer.WriteLine("  --output PATH      file (sft, dpo) or directory (parquet) to write");
        writer.WriteLine("  --incremental      add only rows after the watermark of the previous export to PATH");
        writer.WriteLine("                     (kept in PATH.watermark.json, or PATH/_watermark.json for parquet)");
        writer.WriteLine("  --model NAME       export feedback on this model only");
        writer.WriteLine("  --tenant NAME      export completions of this API key tenant only (default: every tenant)");
        writer.WriteLine("  --database CS      PostgreSQL connection string (default: Gantry__Database, else SQLite)");
        writer.WriteLine("  --data-dir DIR     directory of gantry.db for SQLite (default: Gantry__DataDir, else ./.data)");
    }

    private static bool TryParse(string[] args, out ExportArguments parsed, out string? problem)
    {
        // The same sources as gantry serve, so that both find the same database without extra options.
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true)
            .AddEnvironmentVariables()
            .Build()
            .GetSection("Gantry");
        parsed = new ExportArguments
        {
            Database = configuration["Database"],
            DataDir = configuration["DataDir"] is { Length: > 0 } dataDir ? dataDir : "./.data",
        };
        problem = null;
        string? format = null;
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name == "--incremental")
            {
                parsed = parsed with { Incremental = true };
                continue;
            }

            if (name is not ("--format" or "--output" or "--model" or "--tenant" or "--database" or "--data-dir"))
            {
                problem = $"unknown option '{name}'.";
                return false;
            }

            if (i + 1 >= args.Length)
            {
                problem = $"option {name} needs a value.";
                return false;
            }

            var value = args[++i];
            parsed = name switch
            {
                "--output" => parsed with { Output = value },
                "--model" => parsed with { Model = value },
                "--tenant" => parsed with { Tenant = value },
                "--database" => parsed with { Database = value },
                "--data-dir" => parsed with { DataDir = value },
                _ => parsed,
            };
            format = name == "--format" ? value : format;
        }

        if (format is null)
        {
            problem = "--format is required: sft, dpo or parquet.";
            return false;
        }

        if (!Enum.TryParse<DatasetFormat>(format, ignoreCase: true, out var datasetFormat) || !Enum.IsDefined(datasetFormat)
            || !format.All(char.IsAsciiLetter))
        {
            problem = $"--format is '{format}'; it must be sft, dpo or parquet.";
            return false;
        }

        if (string.IsNullOrWhiteSpace(parsed.Output))
        {
            problem = "--output is required: the file or directory to write.";
            return false;
        }

        parsed = parsed with { Format = datasetFormat };
        return true;
    }

    private sealed record ExportArguments
    {
        public DatasetFormat Format { get; init; }

        public string Output { get; init; } = string.Empty;

        public bool Incremental { get; init; }

        public string? Model { get; init; }

        public string? Tenant { get; init; }

        public string? Database { get; init; }

        public string DataDir { get; init; } = "./.data";
    }
}
