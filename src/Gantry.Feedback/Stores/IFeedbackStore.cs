namespace Gantry.Feedback.Stores;

/// <summary>
/// Persistence for completion records, feedback, retraining state and the outbox. One implementation per
/// database: <see cref="Sqlite.SqliteFeedbackStore"/> and <see cref="Postgres.PostgresFeedbackStore"/>.
/// </summary>
/// <remarks>
/// Thread safe. Times are stored as Unix milliseconds. Writes of completion records and feedback go through
/// <see cref="ApplyBatchAsync"/>, which the group commit calls from one loop.
/// </remarks>
public interface IFeedbackStore : IAsyncDisposable
{
    /// <summary>Short name of the database kind: <c>sqlite</c> or <c>postgres</c>.</summary>
    string Kind { get; }

    /// <summary>Applies the schema migrations that are missing. Safe to run from several processes at once.</summary>
    Task MigrateAsync(CancellationToken cancellationToken);

    /// <summary>Applies all writes in one transaction and returns one result per write (null for completion writes).</summary>
    Task<IReadOnlyList<FeedbackWriteResult?>> ApplyBatchAsync(IReadOnlyList<StoreWrite> writes, CancellationToken cancellationToken);

    /// <summary>Reads a completion record, or null when it does not exist.</summary>
    Task<CompletionRecord?> GetCompletionAsync(string id, CancellationToken cancellationToken);

    /// <summary>Reads a feedback entry, or null when it does not exist.</summary>
    Task<FeedbackEntry?> GetFeedbackAsync(string id, CancellationToken cancellationToken);

    /// <summary>Counts feedback created at or after <paramref name="since"/>, per model.</summary>
    Task<FeedbackStats> GetStatsAsync(DateTimeOffset since, string? model, CancellationToken cancellationToken);

    /// <summary>
    /// Counts feedback created at or after <paramref name="since"/>, per model, on completions of
    /// <paramref name="tenant"/> only; a null tenant counts every tenant.
    /// </summary>
    Task<FeedbackStats> GetStatsAsync(DateTimeOffset since, string? model, string? tenant, CancellationToken cancellationToken);

    /// <summary>
    /// Returns the largest feedback sequence number below which every entry is committed, so that exports and
    /// retraining checks never skip an entry that commits later with a smaller number.
    /// </summary>
    Task<long> GetExportHorizonAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Counts feedback entries with <paramref name="afterSeq"/> &lt; seq &lt;= <paramref name="uptoSeq"/>. In this and
    /// the two reads below, a null <c>model</c> or <c>tenant</c> means every model or tenant.
    /// </summary>
    Task<long> CountFeedbackAsync(long afterSeq, long uptoSeq, string? model, string? tenant,
        CancellationToken cancellationToken);

    /// <summary>Streams supervised fine-tuning examples in the sequence range, ordered by sequence number.</summary>
    IAsyncEnumerable<SftExample> ReadSftExamplesAsync(long afterSeq, long uptoSeq, string? model, string? tenant,
        CancellationToken cancellationToken);

    /// <summary>Streams preference pairs in the sequence range, in a deterministic order.</summary>
    IAsyncEnumerable<DpoExample> ReadDpoExamplesAsync(long afterSeq, long uptoSeq, string? model, string? tenant,
        CancellationToken cancellationToken);

    /// <summary>Deletes completion records created before <paramref name="cutoff"/> with their feedback, and delivered outbox events.</summary>
    /// <returns>The number of completion records deleted.</returns>
    Task<int> DeleteRecordsBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken);

    /// <summary>Reads per-model feedback activity up to <paramref name="uptoSeq"/> for the retraining policy.</summary>
    Task<IReadOnlyList<ModelTrainingActivity>> GetTrainingActivityAsync(
        DateTimeOffset windowStart, long uptoSeq, CancellationToken cancellationToken);

    /// <summary>
    /// Advances the retraining watermark of <paramref name="model"/> from <paramref name="expectedLastSeq"/> to
    /// <paramref name="newLastSeq"/> and enqueues <paramref name="message"/> in the same transaction.
    /// </summary>
    /// <returns>False, with nothing written, when the watermark is no longer <paramref name="expectedLastSeq"/>.</returns>
    Task<bool> TryEnqueueRetrainingAsync(
        string model, long expectedLastSeq, long newLastSeq, OutboxMessage message, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Leases the oldest due, undelivered outbox event until <paramref name="leaseUntil"/>, or returns null.</summary>
    Task<OutboxMessage?> ClaimOutboxAsync(DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken);

    /// <summary>Marks an outbox event delivered.</summary>
    Task MarkOutboxSentAsync(string id, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Records a failed delivery attempt and when to try again.</summary>
    Task MarkOutboxFailedAsync(string id, int attempts, DateTimeOffset nextAttempt, string error, CancellationToken cancellationToken);

    /// <summary>Counts outbox events not yet delivered.</summary>
    Task<long> CountOutboxBacklogAsync(CancellationToken cancellationToken);
}
