namespace Gantry.Feedback.Stores;

public abstract partial class SqlFeedbackStore
{
    /// <summary>Takes the lock that serializes retraining decisions inside a write transaction.</summary>
    protected virtual Task LockRetrainingAsync(
        System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    /// <inheritdoc />
    public async Task<IReadOnlyList<ModelTrainingActivity>> GetTrainingActivityAsync(
        DateTimeOffset windowStart, long uptoSeq, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = CreateCommand(connection, null,
            """
            SELECT f.model, COALESCE(s.last_seq, 0),
                MAX(CASE WHEN f.seq > COALESCE(s.last_seq, 0) THEN f.seq ELSE 0 END),
                SUM(CASE WHEN f.seq > COALESCE(s.last_seq, 0) AND (f.rating IS NOT NULL OR f.correction IS NOT NULL) THEN 1 ELSE 0 END),
                SUM(CASE WHEN f.created_ms >= @window AND f.rating = 'up' THEN 1 ELSE 0 END),
                SUM(CASE WHEN f.created_ms >= @window AND f.rating = 'down' THEN 1 ELSE 0 END)
            FROM feedback f LEFT JOIN retraining_state s ON s.model = f.model
            WHERE f.seq <= @upto AND (f.seq > COALESCE(s.last_seq, 0) OR f.created_ms >= @window)
            GROUP BY f.model, s.last_seq
            ORDER BY f.model
            """,
            ("window", windowStart.ToUnixTimeMilliseconds()), ("upto", uptoSeq));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<ModelTrainingActivity>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new ModelTrainingActivity(
                reader.GetString(0), ReadLong(reader, 1), ReadLong(reader, 2), ReadLong(reader, 3), ReadLong(reader, 4), ReadLong(reader, 5)));
        }

        return result;
    }

    /// <inheritdoc />
    public async Task<bool> TryEnqueueRetrainingAsync(
        string model, long expectedLastSeq, long newLastSeq, OutboxMessage message, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var transaction = await BeginWriteTransactionAsync(connection, cancellationToken);
        await LockRetrainingAsync(connection, transaction, cancellationToken);

        var current = await ScalarAsync(connection, transaction,
            "SELECT COALESCE(MAX(last_seq), 0) FROM retraining_state WHERE model = @model", cancellationToken, ("model", model));
        if (current != expectedLastSeq)
        {
            return false;
        }

        await ExecuteAsync(connection, transaction,
            """
            INSERT INTO retraining_state (model, last_seq, last_event_id) VALUES (@model, @seq, @event)
            ON CONFLICT (model) DO UPDATE SET last_seq = excluded.last_seq, last_event_id = excluded.last_event_id
            """,
            cancellationToken, ("model", model), ("seq", newLastSeq), ("event", message.Id));
        var inserted = await ExecuteAsync(connection, transaction,
            """
            INSERT INTO outbox (id, created_ms, payload, attempts, next_attempt_ms, lease_until_ms)
            VALUES (@id, @now, @payload, 0, @now, 0)
            ON CONFLICT DO NOTHING
            """,
            cancellationToken, ("id", message.Id), ("now", now.ToUnixTimeMilliseconds()), ("payload", message.PayloadJson));
        if (inserted == 0)
        {
            return false;
        }

        await transaction.CommitAsync(CancellationToken.None);
        return true;
    }

    /// <inheritdoc />
    public async Task<OutboxMessage?> ClaimOutboxAsync(DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var transaction = await BeginWriteTransactionAsync(connection, cancellationToken);
        await using var command = CreateCommand(connection, transaction,
            $"""
            UPDATE outbox SET lease_until_ms = @lease
            WHERE id = (
                SELECT id FROM outbox
                WHERE sent_ms IS NULL AND next_attempt_ms <= @now AND lease_until_ms <= @now
                ORDER BY created_ms, id
                LIMIT 1{ClaimLockClause})
            RETURNING id, payload, attempts
            """,
            ("lease", leaseUntil.ToUnixTimeMilliseconds()), ("now", now.ToUnixTimeMilliseconds()));
        OutboxMessage? message = null;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                message = new OutboxMessage(reader.GetString(0), reader.GetString(1), checked((int)ReadLong(reader, 2)));
            }
        }

        await transaction.CommitAsync(CancellationToken.None);
        return message;
    }

    /// <inheritdoc />
    public async Task MarkOutboxSentAsync(string id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, null,
            "UPDATE outbox SET sent_ms = @now, attempts = attempts + 1, last_error = NULL WHERE id = @id",
            cancellationToken, ("now", now.ToUnixTimeMilliseconds()), ("id", id));
    }

    /// <inheritdoc />
    public async Task MarkOutboxFailedAsync(
        string id, int attempts, DateTimeOffset nextAttempt, string error, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, null,
            "UPDATE outbox SET attempts = @attempts, next_attempt_ms = @next, lease_until_ms = 0, last_error = @error WHERE id = @id",
            cancellationToken, ("attempts", (long)attempts), ("next", nextAttempt.ToUnixTimeMilliseconds()), ("error", error), ("id", id));
    }

    /// <inheritdoc />
    public async Task<long> CountOutboxBacklogAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        return await ScalarAsync(connection, null, "SELECT COUNT(*) FROM outbox WHERE sent_ms IS NULL", cancellationToken);
    }
}
