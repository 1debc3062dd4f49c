using System.Security.Cryptography;
using System.Text;
using Gantry.Feedback.Stores;
using Microsoft.Extensions.Options;

namespace Gantry.Feedback;

/// <summary>Stores completion records through the group commit, keeping only what the capture mode allows.</summary>
public sealed class StoreCompletionRecorder(GroupCommitWriter writer, IOptions<FeedbackOptions> options) : ICompletionRecorder
{
    /// <inheritdoc />
    public async Task RecordAsync(CompletionRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        switch (options.Value.Capture)
        {
            case CaptureMode.Off:
                return;
            case CaptureMode.Metadata:
                await writer.WriteAsync(new CompletionWrite(record with { Messages = null, Completion = null }, null), cancellationToken);
                return;
            default:
                await writer.WriteAsync(new CompletionWrite(record, HashPrompt(record.Messages)), cancellationToken);
                return;
        }
    }

    /// <summary>Returns the SHA-256 of the messages JSON in hex, or null without messages.</summary>
    public static string? HashPrompt(string? messages) =>
        messages is null ? null : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(messages)));
}
