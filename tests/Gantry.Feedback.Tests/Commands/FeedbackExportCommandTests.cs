using Gantry.Feedback.Tests.Support;

namespace Gantry.Feedback.Tests.Commands;

/// <summary><c>gantry feedback export</c>: arguments, exit codes and the summary line.</summary>
public sealed class FeedbackExportCommandTests
{
    [Theory]
    [InlineData(new[] { "--output", "x.jsonl" }, "--format is required")]
    [InlineData(new[] { "--format", "csv", "--output", "x" }, "--format is 'csv'")]
    [InlineData(new[] { "--format", "1", "--output", "x" }, "--format is '1'")]
    [InlineData(new[] { "--format", "sft" }, "--output is required")]
    [InlineData(new[] { "--format", "sft", "--output" }, "option --output needs a value")]
    [InlineData(new[] { "--format", "sft", "--output", "x", "--verbose" }, "unknown option '--verbose'")]
    public async Task InvalidArguments_Return2WithMessage(string[] args, string expected)
    {
        var output = new StringWriter();
        var error = new StringWriter();

        var exitCode = await FeedbackExportCommand.RunAsync(args, output, error, CancellationToken.None);

        Assert.Equal(2, exitCode);
        Assert.Contains(expected, error.ToString());
        Assert.Empty(output.ToString());
    }

    [Fact]
    public async Task Help_PrintsUsageAndReturns0()
    {
        var output = new StringWriter();

        var exitCode = await FeedbackExportCommand.RunAsync(["--help"], output, TextWriter.Null, CancellationToken.None);

        Assert.Equal(0, exitCode);
        Assert.Contains("--format FORMAT", output.ToString());
        Assert.Contains("--incremental", output.ToString());
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Export_SeededStore_PrintsSummaryAndAddsOnlyNewRows(bool postgres)
    {
        await using var target = await StoreTarget.CreateAsync(postgres);
        await using (var harness = FeedbackHarness.Create(await target.OpenStoreAsync()))
        {
            await harness.RecordAsync(Records.Completion("c1", prompt: "P1", answer: "A1"));
            await harness.SubmitAsync(Records.Down("c1", correction: "B1"));
        }

        if (target.Database is not null)
        {
            // The command waits until rows are 5 s old on PostgreSQL (the export horizon); age the row instead of waiting.
            await using var connection = new Npgsql.NpgsqlConnection(target.Database);
            await connection.OpenAsync();
            await using var age = new Npgsql.NpgsqlCommand("UPDATE feedback SET inserted_at = inserted_at - interval '1 minute'", connection);
            await age.ExecuteNonQueryAsync();
        }

        var outputPath = Path.Combine(target.Directory.Path, "dpo.jsonl");
        string[] args = ["--format", "dpo", "--output", outputPath, "--incremental", .. Location(target)];
        var first = new StringWriter();
        var second = new StringWriter();

        var firstExit = await FeedbackExportCommand.RunAsync(args, first, TextWriter.Null, CancellationToken.None);
        var secondExit = await FeedbackExportCommand.RunAsync(args, second, TextWriter.Null, CancellationToken.None);

        Assert.Equal(0, firstExit);
        Assert.Equal(0, secondExit);
        Assert.Equal(
            $"feedback export: format=dpo sft_rows=0 dpo_rows=1 skipped_rows=0 feedback_entries=1 after_seq=0 watermark=1 output={outputPath}",
            first.ToString().TrimEnd());
        Assert.StartsWith("feedback export: format=dpo sft_rows=0 dpo_rows=0 skipped_rows=0 feedback_entries=0 after_seq=1 watermark=1",
            second.ToString());
        Assert.Single(await File.ReadAllLinesAsync(outputPath));
        Assert.True(File.Exists(outputPath + ".watermark.json"));
    }

    [Fact]
    public async Task Export_WatermarkOfOtherFormat_Returns1()
    {
        using var directory = new TestDirectory();
        var outputPath = Path.Combine(directory.Path, "data.jsonl");
        string[] common = ["--output", outputPath, "--data-dir", directory.Path, "--incremental"];
        await FeedbackExportCommand.RunAsync(["--format", "sft", .. common], TextWriter.Null, TextWriter.Null, CancellationToken.None);
        var error = new StringWriter();

        var exitCode = await FeedbackExportCommand.RunAsync(["--format", "dpo", .. common], TextWriter.Null, error, CancellationToken.None);

        Assert.Equal(1, exitCode);
        Assert.Contains("exported as sft, not dpo", error.ToString());
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    private static string[] Location(StoreTarget target) =>
        target.Database is null ? ["--data-dir", target.Directory.Path] : ["--database", target.Database];
}
