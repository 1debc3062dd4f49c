using System.Security.Cryptography;
using Gantry.Feedback.Stores;

namespace Gantry.Feedback;

/// <summary>Stores and reads feedback. The HTTP layer calls it with validated requests.</summary>
/// <remarks>Thread safe.</remarks>
public sealed class FeedbackService(IFeedbackStore store, GroupCommitWriter writer, TimeProvider timeProvider)
{
    /// <summary>
    /// Stores <paramref name="submission"/> and completes once it is durable. With an idempotency key, a repeat
    /// with the same <paramref name="requestHash"/> returns the first entry and stores nothing.
    /// </summary>
    public async Task<FeedbackWriteResult> SubmitAsync(
        FeedbackSubmission submission, string? idempotencyKey, string? requestHash, CancellationToken cancellationToken)
    {
        var entry = new FeedbackEntry
        {
            Id = NewFeedbackId(),
            CompletionId = submission.CompletionId,
            Created = timeProvider.GetUtcNow(),
            Model = string.Empty,
            Rating = submission.Rating,
            Score = submission.Score,
            Correction = submission.Correction,
            Comment = submission.Comment,
            Tags = submission.Tags,
            Source = submission.Source,
        };
        var result = await writer.WriteAsync(new FeedbackWrite(entry, idempotencyKey, requestHash), cancellationToken)
            ?? throw new InvalidOperationException("The store returned no result for a feedback write.");
        if (result.Status == FeedbackWriteStatus.Created && result.Entry is not null)
        {
            FeedbackMetrics.FeedbackStored(result.Entry.Model, result.Entry.Rating);
        }

        return result;
    }

    /// <summary>Reads a feedback entry, or null when it does not exist.</summary>
    public Task<FeedbackEntry?> GetAsync(string id, CancellationToken cancellationToken) =>
        store.GetFeedbackAsync(id, cancellationToken);

    /// <summary>Counts feedback over the <paramref name="window"/> before now, optionally for one model.</summary>
    public Task<FeedbackStats> GetStatsAsync(TimeSpan window, string? model, CancellationToken cancellationToken) =>
        store.GetStatsAsync(timeProvider.GetUtcNow() - window, model, cancellationToken);

    /// <summary>Counts feedback over the <paramref name="window"/> before now on completions of one tenant (null: all).</summary>
    public Task<FeedbackStats> GetStatsAsync(TimeSpan window, string? model, string? tenant, CancellationToken cancellationToken) =>
        store.GetStatsAsync(timeProvider.GetUtcNow() - window, model, tenant, cancellationToken);

    /// <summary>Reads a completion record, or null when it does not exist.</summary>
    public Task<CompletionRecord?> GetCompletionAsync(string id, CancellationToken cancellationToken) =>
        store.GetCompletionAsync(id, cancellationToken);

    /// <summary>Creates a feedback id: <c>fb-</c> and 32 random hex digits.</summary>
    public static string NewFeedbackId() => "fb-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
