using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gantry.Feedback.Datasets;

/// <summary>
/// The state an incremental export continues from, kept in a JSON file beside the output:
/// <c>PATH.watermark.json</c> for a JSON Lines file, <c>PATH/_watermark.json</c> for a Parquet directory.
/// </summary>
public sealed record DatasetWatermark
{
    /// <summary>The format that wrote the output.</summary>
    [JsonPropertyName("format")]
    public required string Format { get; init; }

    /// <summary>The largest feedback sequence number covered by the output.</summary>
    [JsonPropertyName("last_seq")]
    public long LastSeq { get; init; }

    /// <summary>Length of a JSON Lines file after the export; a longer file is cut back to it before appending.</summary>
    [JsonPropertyName("length")]
    public long Length { get; init; }

    /// <summary>When the export finished.</summary>
    [JsonPropertyName("updated")]
    public DateTimeOffset Updated { get; init; }

    /// <summary>Reads the watermark at <paramref name="path"/>, or returns null when the file does not exist.</summary>
    public static async Task<DatasetWatermark?> ReadAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        await using var stream = File.OpenRead(path);
        return await JsonSerializer.DeserializeAsync(stream, DatasetJsonContext.Default.DatasetWatermark, cancellationToken)
            ?? throw new InvalidDataException($"Watermark file {path} is empty; delete it to export from the start.");
    }

    /// <summary>Writes the watermark to <paramref name="path"/> through a temporary file and a rename.</summary>
    public async Task WriteAsync(string path, CancellationToken cancellationToken)
    {
        var temporary = path + ".tmp";
        await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            await JsonSerializer.SerializeAsync(stream, this, DatasetJsonContext.Default.DatasetWatermark, cancellationToken);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}

/// <summary>Source-generated JSON metadata for dataset files.</summary>
[JsonSerializable(typeof(DatasetWatermark))]
internal sealed partial class DatasetJsonContext : JsonSerializerContext
{
}
