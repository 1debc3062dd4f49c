using System.Text.Json;
using Gantry.Feedback.Stores;
using Parquet;
using Parquet.Serialization;

namespace Gantry.Feedback.Datasets;

/// <summary>
/// Writes training datasets from stored feedback. Rows stream from the database to the file, so memory stays
/// constant (one Parquet row group at most), and they come out ordered by feedback sequence number.
/// </summary>
/// <remarks>
/// Only completions stored under <see cref="CaptureMode.Full"/> have the text a row needs. Feedback on other
/// completions is counted in <see cref="DatasetExportSummary.FeedbackEntries"/> but yields no rows.
/// </remarks>
public sealed class DatasetExporter(IFeedbackStore store, TimeProvider timeProvider)
{
    // Text is written as UTF-8 rather than \u escapes, so datasets stay readable. Quotes and control characters
    // are still escaped.
    private static readonly JsonWriterOptions JsonlWriterOptions = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Rows per Parquet row group.</summary>
    public const int ParquetRowGroupSize = 1_000;

    /// <summary>Name of the watermark file inside a Parquet output directory.</summary>
    public const string ParquetWatermarkFileName = "_watermark.json";

    /// <summary>Suffix of the watermark file beside a JSON Lines output.</summary>
    public const string JsonlWatermarkSuffix = ".watermark.json";

    /// <summary>
    /// Exports to <paramref name="output"/>. With <paramref name="incremental"/>, continues after the watermark of
    /// a previous export and adds only new rows. Without it, rewrites the output from the first feedback entry.
    /// Both write a new watermark.
    /// </summary>
    /// <param name="format">The format.</param>
    /// <param name="output">A file for <see cref="DatasetFormat.Sft"/> and <see cref="DatasetFormat.Dpo"/>, a directory for Parquet.</param>
    /// <param name="incremental">Whether to continue after the previous export's watermark.</param>
    /// <param name="model">Only export feedback on this model, or all models when null.</param>
    /// <param name="cancellationToken">Cancels the export, leaving the previous watermark valid.</param>
    public Task<DatasetExportSummary> ExportAsync(
        DatasetFormat format, string output, bool incremental, string? model, CancellationToken cancellationToken) =>
        ExportAsync(format, output, incremental, model, tenant: null, cancellationToken);

    /// <summary>Exports like the overload without a tenant, keeping only completions of <paramref name="tenant"/>.</summary>
    /// <param name="format">The dataset format.</param>
    /// <param name="output">The output file, or folder for Parquet.</param>
    /// <param name="incremental">Whether to add only rows after the output's watermark.</param>
    /// <param name="model">Only export feedback on this model, or all models when null.</param>
    /// <param name="tenant">Only export completions of this tenant, or every tenant when null.</param>
    /// <param name="cancellationToken">Stops the export.</param>
    public async Task<DatasetExportSummary> ExportAsync(
        DatasetFormat format, string output, bool incremental, string? model, string? tenant,
        CancellationToken cancellationToken)
    {
        var horizon = await store.GetExportHorizonAsync(cancellationToken);
        return format == DatasetFormat.Parquet
            ? await ExportParquetAsync(output, incremental, model, tenant, horizon, cancellationToken)
            : await ExportJsonlAsync(format, output, incremental, model, tenant, horizon, cancellationToken);
    }

    /// <summary>
    /// Writes <c>sft.jsonl</c> and <c>dpo.jsonl</c> into <paramref name="directory"/> with every row of
    /// <paramref name="model"/> up to sequence number <paramref name="uptoSeq"/>.
    /// </summary>
    public async Task<(long SftRows, long DpoRows)> WriteSnapshotAsync(
        string directory, string model, long uptoSeq, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        long sftRows;
        long dpoRows;
        await using (var sft = new FileStream(Path.Combine(directory, "sft.jsonl"), FileMode.Create, FileAccess.Write))
        {
            (sftRows, _) = await WriteJsonlAsync(sft, DatasetFormat.Sft, 0, uptoSeq, model, null, cancellationToken);
            sft.Flush(flushToDisk: true);
        }

        await using (var dpo = new FileStream(Path.Combine(directory, "dpo.jsonl"), FileMode.Create, FileAccess.Write))
        {
            (dpoRows, _) = await WriteJsonlAsync(dpo, DatasetFormat.Dpo, 0, uptoSeq, model, null, cancellationToken);
            dpo.Flush(flushToDisk: true);
        }

        return (sftRows, dpoRows);
    }

    private async Task<DatasetExportSummary> ExportJsonlAsync(
        DatasetFormat format, string output, bool incremental, string? model, string? tenant, long horizon,
        CancellationToken cancellationToken)
    {
        var formatName = FormatName(format);
        var watermarkPath = output + JsonlWatermarkSuffix;
        var previous = incremental ? await ReadWatermarkAsync(watermarkPath, formatName, cancellationToken) : null;
        var afterSeq = previous?.LastSeq ?? 0;
        var uptoSeq = Math.Max(horizon, afterSeq);
        CreateParentDirectory(output);

        await using var file = new FileStream(output, previous is null ? FileMode.Create : FileMode.OpenOrCreate, FileAccess.Write);
        if (previous is not null)
        {
            if (file.Length < previous.Length)
            {
                throw new InvalidDataException(
                    $"{output} is shorter ({file.Length} bytes) than its watermark records ({previous.Length} bytes); " +
                    $"run the export without --incremental to rewrite it.");
            }

            // Drops a partial tail left by an export that stopped before writing its watermark.
            file.SetLength(previous.Length);
            file.Seek(0, SeekOrigin.End);
        }

        var (rows, skipped) = await WriteJsonlAsync(file, format, afterSeq, uptoSeq, model, tenant, cancellationToken);
        file.Flush(flushToDisk: true);
        await new DatasetWatermark { Format = formatName, LastSeq = uptoSeq, Length = file.Length, Updated = timeProvider.GetUtcNow() }
            .WriteAsync(watermarkPath, cancellationToken);

        var entries = await store.CountFeedbackAsync(afterSeq, uptoSeq, model, tenant, cancellationToken);
        return format == DatasetFormat.Sft
            ? new DatasetExportSummary(format, output, afterSeq, uptoSeq, entries, rows, 0, skipped)
            : new DatasetExportSummary(format, output, afterSeq, uptoSeq, entries, 0, rows, skipped);
    }

    private async Task<(long Rows, long Skipped)> WriteJsonlAsync(
        Stream stream, DatasetFormat format, long afterSeq, long uptoSeq, string? model, string? tenant,
        CancellationToken cancellationToken)
    {
        long rows = 0;
        long skipped = 0;
        await using var writer = new Utf8JsonWriter(stream, JsonlWriterOptions);
        async Task EndLineAsync(bool written)
        {
            if (!written)
            {
                skipped++;
                writer.Reset();
                return;
            }

            await writer.FlushAsync(cancellationToken);
            stream.WriteByte((byte)'\n');
            writer.Reset();
            rows++;
        }

        if (format == DatasetFormat.Sft)
        {
            await foreach (var example in store.ReadSftExamplesAsync(afterSeq, uptoSeq, model, tenant, cancellationToken))
            {
                await EndLineAsync(ChatRowWriter.TryWriteSft(writer, example));
            }
        }
        else
        {
            await foreach (var example in store.ReadDpoExamplesAsync(afterSeq, uptoSeq, model, tenant, cancellationToken))
            {
                await EndLineAsync(ChatRowWriter.TryWriteDpo(writer, example));
            }
        }

        return (rows, skipped);
    }

    private async Task<DatasetExportSummary> ExportParquetAsync(
        string output, bool incremental, string? model, string? tenant, long horizon,
        CancellationToken cancellationToken)
    {
        const string formatName = "parquet";
        Directory.CreateDirectory(output);
        var watermarkPath = Path.Combine(output, ParquetWatermarkFileName);
        var previous = incremental ? await ReadWatermarkAsync(watermarkPath, formatName, cancellationToken) : null;
        if (previous is null)
        {
            foreach (var part in Directory.EnumerateFiles(output, "*.parquet").Where(IsPartFile).ToList())
            {
                File.Delete(part);
            }
        }

        var afterSeq = previous?.LastSeq ?? 0;
        var uptoSeq = Math.Max(horizon, afterSeq);

        // Part names carry the sequence range, so a rerun after a crash overwrites its own part instead of adding one.
        var range = $"{afterSeq + 1:D12}-{uptoSeq:D12}";
        var (sftRows, sftSkipped) = await WriteParquetAsync(
            store.ReadSftExamplesAsync(afterSeq, uptoSeq, model, tenant, cancellationToken),
            example => ParquetMessage.FromJson(example.MessagesJson) is { } messages
                ? new SftParquetRow { Messages = [.. messages, .. ParquetMessage.Assistant(example.Answer)] }
                : null,
            Path.Combine(output, $"sft-{range}.parquet"),
            cancellationToken);
        var (dpoRows, dpoSkipped) = await WriteParquetAsync(
            store.ReadDpoExamplesAsync(afterSeq, uptoSeq, model, tenant, cancellationToken),
            example => ParquetMessage.FromJson(example.MessagesJson) is { } messages
                ? new DpoParquetRow
                {
                    Prompt = messages,
                    Chosen = ParquetMessage.Assistant(example.Chosen),
                    Rejected = ParquetMessage.Assistant(example.Rejected),
                }
                : null,
            Path.Combine(output, $"dpo-{range}.parquet"),
            cancellationToken);

        await new DatasetWatermark { Format = formatName, LastSeq = uptoSeq, Updated = timeProvider.GetUtcNow() }
            .WriteAsync(watermarkPath, cancellationToken);
        var entries = await store.CountFeedbackAsync(afterSeq, uptoSeq, model, tenant, cancellationToken);
        return new DatasetExportSummary(
            DatasetFormat.Parquet, output, afterSeq, uptoSeq, entries, sftRows, dpoRows, sftSkipped + dpoSkipped);
    }

    private static async Task<(long Rows, long Skipped)> WriteParquetAsync<TExample, TRow>(
        IAsyncEnumerable<TExample> examples, Func<TExample, TRow?> toRow, string path, CancellationToken cancellationToken)
        where TRow : class
    {
        long rows = 0;
        long skipped = 0;
        var temporary = path + ".tmp";
        var group = new List<TRow>(ParquetRowGroupSize);
        await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.ReadWrite))
        {
            async Task FlushGroupAsync()
            {
                // Each group after the first is appended as a new row group of the same file.
                var options = new ParquetOptions { Append = rows > 0, RowGroupSize = ParquetRowGroupSize };
                await ParquetSerializer.SerializeAsync(group, stream, options, null, cancellationToken);
                rows += group.Count;
                group.Clear();
            }

            await foreach (var example in examples)
            {
                var row = toRow(example);
                if (row is null)
                {
                    skipped++;
                    continue;
                }

                group.Add(row);
                if (group.Count == ParquetRowGroupSize)
                {
                    await FlushGroupAsync();
                }
            }

            if (group.Count > 0)
            {
                await FlushGroupAsync();
            }

            stream.Flush(flushToDisk: true);
        }

        if (rows == 0)
        {
            File.Delete(temporary);
            return (0, skipped);
        }

        File.Move(temporary, path, overwrite: true);
        return (rows, skipped);
    }

    private static async Task<DatasetWatermark?> ReadWatermarkAsync(string path, string formatName, CancellationToken cancellationToken)
    {
        var watermark = await DatasetWatermark.ReadAsync(path, cancellationToken);
        if (watermark is not null && watermark.Format != formatName)
        {
            throw new InvalidOperationException(
                $"The output was exported as {watermark.Format}, not {formatName}; choose another output or drop --incremental.");
        }

        return watermark;
    }

    private static bool IsPartFile(string path)
    {
        var name = Path.GetFileName(path);
        return name.StartsWith("sft-", StringComparison.Ordinal) || name.StartsWith("dpo-", StringComparison.Ordinal);
    }

    private static void CreateParentDirectory(string path)
    {
        var parent = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(parent))
        {
            Directory.CreateDirectory(parent);
        }
    }

    private static string FormatName(DatasetFormat format) => format.ToString().ToLowerInvariant();
}
