using System.Globalization;

namespace Gantry.Feedback.Datasets;

/// <summary>What one export wrote.</summary>
/// <param name="Format">The format.</param>
/// <param name="Output">The file or directory written.</param>
/// <param name="AfterSeq">Watermark before the export. Rows after it were considered.</param>
/// <param name="Watermark">Watermark after the export: the largest feedback sequence number covered.</param>
/// <param name="FeedbackEntries">Feedback entries in the range.</param>
/// <param name="SftRows">Supervised fine-tuning rows written.</param>
/// <param name="DpoRows">Preference rows written.</param>
/// <param name="SkippedRows">Rows dropped because the stored messages were not a JSON array of messages.</param>
public sealed record DatasetExportSummary(
    DatasetFormat Format, string Output, long AfterSeq, long Watermark, long FeedbackEntries, long SftRows, long DpoRows, long SkippedRows)
{
    /// <summary>The one-line summary the export command prints.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"feedback export: format={Format.ToString().ToLowerInvariant()} sft_rows={SftRows} dpo_rows={DpoRows} " +
        $"skipped_rows={SkippedRows} feedback_entries={FeedbackEntries} after_seq={AfterSeq} watermark={Watermark} output={Output}");
}
