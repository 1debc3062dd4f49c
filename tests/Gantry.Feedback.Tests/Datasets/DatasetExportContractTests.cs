using Gantry.Feedback.Datasets;
using Gantry.Feedback.Tests.Support;
using Parquet.Serialization;

namespace Gantry.Feedback.Tests.Datasets;

/// <summary>Dataset exports from a seeded store, run once per database.</summary>
public abstract class DatasetExportContractTests : IAsyncLifetime
{
    private const string System = """{"role":"system","content":"Answer briefly."}""";

    private StoreTarget? _target;
    private FeedbackHarness? _harness;

    /// <summary>Whether the tests run on PostgreSQL rather than SQLite.</summary>
    protected abstract bool UsePostgres { get; }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_harness is not null)
        {
            await _harness.DisposeAsync();
        }

        if (_target is not null)
        {
            await _target.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task Sft_IncrementalExport_AddsOnlyNewRows()
    {
        var exporter = await SeedAsync();
        var output = Path.Combine(_target!.Directory.Path, "out", "sft.jsonl");

        var first = await exporter.ExportAsync(DatasetFormat.Sft, output, incremental: true, null, CancellationToken.None);
        var firstLines = await File.ReadAllLinesAsync(output);
        await SeedMoreAsync();
        var second = await exporter.ExportAsync(DatasetFormat.Sft, output, incremental: true, null, CancellationToken.None);
        var secondLines = await File.ReadAllLinesAsync(output);
        var third = await exporter.ExportAsync(DatasetFormat.Sft, output, incremental: true, null, CancellationToken.None);

        Assert.Equal([Sft("P1", "A1"), Sft("P2", "good")], firstLines);
        Assert.Equal(2, first.SftRows);
        Assert.Equal(5, first.FeedbackEntries);
        Assert.Equal(5, first.Watermark);
        Assert.Equal([Sft("P1", "A1"), Sft("P2", "good"), Sft("P3 \"quoted\" ü", "A3")], secondLines);
        Assert.Equal(1, second.SftRows);
        Assert.Equal(5, second.AfterSeq);
        Assert.Equal(7, second.Watermark);
        Assert.Equal(0, third.SftRows);
        Assert.Equal(3, (await File.ReadAllLinesAsync(output)).Length);
    }

    [SkippableFact]
    public async Task Dpo_IncrementalExport_AddsOnlyNewPairs()
    {
        var exporter = await SeedAsync();
        var output = Path.Combine(_target!.Directory.Path, "dpo.jsonl");

        var first = await exporter.ExportAsync(DatasetFormat.Dpo, output, incremental: true, null, CancellationToken.None);
        var firstLines = await File.ReadAllLinesAsync(output);
        await SeedMoreAsync();
        var second = await exporter.ExportAsync(DatasetFormat.Dpo, output, incremental: true, null, CancellationToken.None);
        var secondLines = await File.ReadAllLinesAsync(output);

        Assert.Equal([Dpo("P2", "good", "bad"), Dpo("P1", "A1", "B1")], firstLines);
        Assert.Equal(2, first.DpoRows);
        Assert.Equal([Dpo("P2", "good", "bad"), Dpo("P1", "A1", "B1"), Dpo("P1", "A1", "C1")], secondLines);
        Assert.Equal(1, second.DpoRows);
    }

    [SkippableFact]
    public async Task Sft_FullExport_RewritesFromStart()
    {
        var exporter = await SeedAsync();
        var output = Path.Combine(_target!.Directory.Path, "sft.jsonl");

        await exporter.ExportAsync(DatasetFormat.Sft, output, incremental: false, null, CancellationToken.None);
        var again = await exporter.ExportAsync(DatasetFormat.Sft, output, incremental: false, null, CancellationToken.None);

        Assert.Equal(0, again.AfterSeq);
        Assert.Equal([Sft("P1", "A1"), Sft("P2", "good")], await File.ReadAllLinesAsync(output));
    }

    [SkippableFact]
    public async Task Sft_PartialTailFromCrashedExport_IsCutBeforeAppending()
    {
        var exporter = await SeedAsync();
        var output = Path.Combine(_target!.Directory.Path, "sft.jsonl");
        await exporter.ExportAsync(DatasetFormat.Sft, output, incremental: true, null, CancellationToken.None);
        await File.AppendAllTextAsync(output, "{\"messages\":[{\"role\":\"us");
        await SeedMoreAsync();

        await exporter.ExportAsync(DatasetFormat.Sft, output, incremental: true, null, CancellationToken.None);

        Assert.Equal([Sft("P1", "A1"), Sft("P2", "good"), Sft("P3 \"quoted\" ü", "A3")], await File.ReadAllLinesAsync(output));
    }

    [SkippableFact]
    public async Task Sft_ModelFilter_ExportsOneModel()
    {
        var exporter = await SeedAsync();
        var output = Path.Combine(_target!.Directory.Path, "sft-other.jsonl");

        var summary = await exporter.ExportAsync(DatasetFormat.Sft, output, incremental: false, "other", CancellationToken.None);

        Assert.Equal(0, summary.SftRows);
        Assert.Empty(await File.ReadAllLinesAsync(output));
    }

    [SkippableFact]
    public async Task Export_TenantFilter_ExportsOneTenant()
    {
        _target = await StoreTarget.CreateAsync(UsePostgres);
        _harness = FeedbackHarness.Create(await _target.OpenStoreAsync());
        await _harness.RecordAsync(Records.Completion("t1", prompt: "P1", answer: "A1") with { Tenant = "acme" });
        await _harness.RecordAsync(Records.Completion("t2", prompt: "P2", answer: "bad") with { Tenant = "globex" });
        await _harness.SubmitAsync(Records.Up("t1"));
        await _harness.SubmitAsync(Records.Down("t2", correction: "good"));
        var exporter = new DatasetExporter(_harness.Store, TimeProvider.System);
        var acme = Path.Combine(_target.Directory.Path, "acme.jsonl");
        var globex = Path.Combine(_target.Directory.Path, "globex.jsonl");
        var globexDpo = Path.Combine(_target.Directory.Path, "globex-dpo.jsonl");
        var acmeDpo = Path.Combine(_target.Directory.Path, "acme-dpo.jsonl");

        var acmeSummary = await exporter.ExportAsync(DatasetFormat.Sft, acme, false, null, "acme", CancellationToken.None);
        await exporter.ExportAsync(DatasetFormat.Sft, globex, false, null, "globex", CancellationToken.None);
        var globexPairs = await exporter.ExportAsync(DatasetFormat.Dpo, globexDpo, false, null, "globex", CancellationToken.None);
        var acmePairs = await exporter.ExportAsync(DatasetFormat.Dpo, acmeDpo, false, null, "acme", CancellationToken.None);

        Assert.Equal([Sft("P1", "A1")], await File.ReadAllLinesAsync(acme));
        Assert.Equal(1, acmeSummary.FeedbackEntries);
        Assert.Equal([Sft("P2", "good")], await File.ReadAllLinesAsync(globex));
        Assert.Equal(1, globexPairs.DpoRows);
        Assert.Equal(0, acmePairs.DpoRows);
    }

    [SkippableFact]
    public async Task Parquet_IncrementalExport_WritesNewPartWithSameRows()
    {
        var exporter = await SeedAsync();
        var output = Path.Combine(_target!.Directory.Path, "parquet");

        var first = await exporter.ExportAsync(DatasetFormat.Parquet, output, incremental: true, null, CancellationToken.None);
        await SeedMoreAsync();
        var second = await exporter.ExportAsync(DatasetFormat.Parquet, output, incremental: true, null, CancellationToken.None);
        var parts = Directory.GetFiles(output, "*.parquet").Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal).ToArray();
        var sftFirst = await ReadSftAsync(Path.Combine(output, "sft-000000000001-000000000005.parquet"));
        var sftSecond = await ReadSftAsync(Path.Combine(output, "sft-000000000006-000000000007.parquet"));
        var dpoFirst = await ReadDpoAsync(Path.Combine(output, "dpo-000000000001-000000000005.parquet"));
        var dpoSecond = await ReadDpoAsync(Path.Combine(output, "dpo-000000000006-000000000007.parquet"));

        Assert.Equal(2, first.SftRows);
        Assert.Equal(2, first.DpoRows);
        Assert.Equal(1, second.SftRows);
        Assert.Equal(1, second.DpoRows);
        Assert.Equal(
            ["dpo-000000000001-000000000005.parquet", "dpo-000000000006-000000000007.parquet",
             "sft-000000000001-000000000005.parquet", "sft-000000000006-000000000007.parquet"],
            parts);
        Assert.Equal([SftText("P1", "A1"), SftText("P2", "good")], sftFirst);
        Assert.Equal([SftText("P3 \"quoted\" ü", "A3")], sftSecond);
        Assert.Equal(["P2|good|bad", "P1|A1|B1"], dpoFirst);
        Assert.Equal(["P1|A1|C1"], dpoSecond);
    }

    [SkippableFact]
    public async Task Parquet_Schema_UsesTrlColumnNames()
    {
        var exporter = await SeedAsync();
        var output = Path.Combine(_target!.Directory.Path, "schema");

        await exporter.ExportAsync(DatasetFormat.Parquet, output, incremental: false, null, CancellationToken.None);
        var sft = await ParquetSerializer.DeserializeAsync<SftParquetRow>(Directory.GetFiles(output, "sft-*.parquet").Single());
        var dpo = await ParquetSerializer.DeserializeAsync<DpoParquetRow>(Directory.GetFiles(output, "dpo-*.parquet").Single());

        Assert.Equal(["messages"], sft.Schema.Fields.Select(f => f.Name).ToArray());
        Assert.Equal(["prompt", "chosen", "rejected"], dpo.Schema.Fields.Select(f => f.Name).ToArray());
        Assert.Equal(["role", "content"], sft.Schema.GetDataFields().Select(f => f.Name).ToArray());
    }

    [SkippableFact]
    public async Task Parquet_ManyRows_SpansSeveralRowGroups()
    {
        _target = await StoreTarget.CreateAsync(UsePostgres);
        _harness = FeedbackHarness.Create(await _target.OpenStoreAsync());
        const int count = DatasetExporter.ParquetRowGroupSize * 2 + 17;
        for (var i = 0; i < count; i += 100)
        {
            await Task.WhenAll(Enumerable.Range(i, Math.Min(100, count - i)).Select(async j =>
            {
                await _harness.RecordAsync(Records.Completion($"c{j}", prompt: $"Q{j}", answer: $"A{j}"));
                await _harness.SubmitAsync(Records.Up($"c{j}"));
            }));
        }

        var exporter = new DatasetExporter(_harness.Store, TimeProvider.System);
        var output = Path.Combine(_target.Directory.Path, "many");

        var summary = await exporter.ExportAsync(DatasetFormat.Parquet, output, incremental: false, null, CancellationToken.None);
        var rows = await ReadSftAsync(Directory.GetFiles(output, "sft-*.parquet").Single());

        Assert.Equal(count, summary.SftRows);
        Assert.Equal(count, rows.Count);
        Assert.Equal(count, rows.Distinct().Count());
    }

    /// <summary>
    /// Seeds feedback with sequence numbers 1 to 5. A completion rated up (1), a correction of a completion rated
    /// down (2), another completion of prompt P1 rated down (3) and a rating of a completion stored without text (4).
    /// The second rating up of the first completion (5) adds no row.
    /// </summary>
    private async Task<DatasetExporter> SeedAsync()
    {
        _target = await StoreTarget.CreateAsync(UsePostgres);
        _harness = FeedbackHarness.Create(await _target.OpenStoreAsync());
        await _harness.RecordAsync(Records.Completion("c1", prompt: "P1", answer: "A1"));
        await _harness.RecordAsync(Records.Completion("c2", prompt: "P2", answer: "bad"));
        await _harness.RecordAsync(Records.Completion("c3", prompt: "P1", answer: "B1"));
        await _harness.RecordAsync(Records.Completion("c4", prompt: null, answer: null));
        await _harness.SubmitAsync(Records.Up("c1"));
        await _harness.SubmitAsync(Records.Down("c2", correction: "good"));
        await _harness.SubmitAsync(Records.Down("c3"));
        await _harness.SubmitAsync(Records.Up("c4"));
        await _harness.SubmitAsync(Records.Up("c1"));
        return new DatasetExporter(_harness.Store, TimeProvider.System);
    }

    /// <summary>Adds sequence numbers 6 (a new completion rated up) and 7 (a third completion of P1 rated down).</summary>
    private async Task SeedMoreAsync()
    {
        await _harness!.RecordAsync(Records.Completion("c5", prompt: "P3 \"quoted\" ü", answer: "A3"));
        await _harness.RecordAsync(Records.Completion("c6", prompt: "P1", answer: "C1"));
        await _harness.SubmitAsync(Records.Up("c5"));
        await _harness.SubmitAsync(Records.Down("c6"));
    }

    private static string User(string prompt) =>
        $$"""{"role":"user","content":"{{prompt.Replace("\"", "\\\"", StringComparison.Ordinal)}}"}""";

    private static string Assistant(string text) => $$"""{"role":"assistant","content":"{{text}}"}""";

    private static string Sft(string prompt, string answer) => $$"""{"messages":[{{System}},{{User(prompt)}},{{Assistant(answer)}}]}""";

    private static string Dpo(string prompt, string chosen, string rejected) =>
        $$"""{"prompt":[{{System}},{{User(prompt)}}],"chosen":[{{Assistant(chosen)}}],"rejected":[{{Assistant(rejected)}}]}""";

    private static string SftText(string prompt, string answer) => $"system:Answer briefly.|user:{prompt}|assistant:{answer}";

    private static async Task<List<string>> ReadSftAsync(string path)
    {
        var rows = await ParquetSerializer.DeserializeAsync<SftParquetRow>(path);
        return [.. rows.Data.Select(r => string.Join("|", r.Messages.Select(m => $"{m.Role}:{m.Content}")))];
    }

    private static async Task<List<string>> ReadDpoAsync(string path)
    {
        var rows = await ParquetSerializer.DeserializeAsync<DpoParquetRow>(path);
        return [.. rows.Data.Select(r => $"{r.Prompt[^1].Content}|{r.Chosen.Single().Content}|{r.Rejected.Single().Content}")];
    }
}

/// <summary>Dataset exports on SQLite.</summary>
public sealed class SqliteDatasetExportTests : DatasetExportContractTests
{
    protected override bool UsePostgres => false;
}

/// <summary>Dataset exports on PostgreSQL.</summary>
public sealed class PostgresDatasetExportTests : DatasetExportContractTests
{
    protected override bool UsePostgres => true;
}
