using System.Data.Common;
using System.Text.Json;

namespace Gantry.Feedback.Stores;

public abstract partial class SqlFeedbackStore
{
    private const string InsertCompletionSql =
        """
        INSERT INTO completions (id, created_ms, model, endpoint, tenant, key_id, parameters, prompt_tokens,
            completion_tokens, latency_seconds, finish_reason, messages, completion, prompt_hash)
        VALUES (@id, @created, @model, @endpoint, @tenant, @key_id, @parameters, @prompt_tokens,
            @completion_tokens, @latency, @finish_reason, @messages, @completion, @prompt_hash)
        ON CONFLICT DO NOTHING
        RETURNING id
        """;

    // The model is copied from the stored record, and a missing record inserts nothing. ON CONFLICT covers a
    // reused idempotency key, including one inserted earlier in this batch or by another replica. The CAST
    // types a null score, which PostgreSQL would otherwise read as text in a SELECT list.
    private const string InsertFeedbackSql =
        """
        INSERT INTO feedback (id, completion_id, created_ms, model, rating, score, correction, comment, tags, source,
            idempotency_key, request_hash)
        SELECT @id, c.id, @created, c.model, @rating, CAST(@score AS DOUBLE PRECISION), @correction, @comment, @tags, @source,
            @key, @hash
        FROM completions c WHERE c.id = @completion_id
        ON CONFLICT DO NOTHING
        RETURNING model
        """;

    /// <inheritdoc />
    public async Task<IReadOnlyList<FeedbackWriteResult?>> ApplyBatchAsync(IReadOnlyList<StoreWrite> writes, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var transaction = await BeginWriteTransactionAsync(connection, cancellationToken);

        // Every insert returns one value when it inserted a row and none otherwise. PostgreSQL gets all inserts in
        // one round trip. SQLite runs in process, where a batch would gain nothing.
        var inserted = connection.CanCreateBatch && writes.Count > 1
            ? await InsertAsBatchAsync(connection, transaction, writes, cancellationToken)
            : await InsertOneByOneAsync(connection, transaction, writes, cancellationToken);

        var results = new FeedbackWriteResult?[writes.Count];
        for (var i = 0; i < writes.Count; i++)
        {
            if (writes[i] is FeedbackWrite feedback)
            {
                results[i] = inserted[i] is string model
                    ? new FeedbackWriteResult(FeedbackWriteStatus.Created, feedback.Entry with { Model = model })
                    : await ResolveUninsertedFeedbackAsync(connection, transaction, feedback, cancellationToken);
            }
        }

        // Not cancellable: once the commit is sent, the outcome must be observed to report it truthfully.
        await transaction.CommitAsync(CancellationToken.None);
        return results;
    }

    private static async Task<object?[]> InsertOneByOneAsync(
        DbConnection connection, DbTransaction transaction, IReadOnlyList<StoreWrite> writes, CancellationToken cancellationToken)
    {
        var inserted = new object?[writes.Count];
        for (var i = 0; i < writes.Count; i++)
        {
            var (sql, parameters) = BuildInsert(writes[i]);
            await using var command = CreateCommand(connection, transaction, sql, parameters);
            inserted[i] = await command.ExecuteScalarAsync(cancellationToken);
        }

        return inserted;
    }

    private static async Task<object?[]> InsertAsBatchAsync(
        DbConnection connection, DbTransaction transaction, IReadOnlyList<StoreWrite> writes, CancellationToken cancellationToken)
    {
        await using var batch = connection.CreateBatch();
        batch.Transaction = transaction;
        foreach (var write in writes)
        {
            var (sql, parameters) = BuildInsert(write);
            var command = batch.CreateBatchCommand();
            command.CommandText = sql;
            foreach (var (name, value) in parameters)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = name;
                parameter.Value = value ?? DBNull.Value;
                command.Parameters.Add(parameter);
            }

            batch.BatchCommands.Add(command);
        }

        var inserted = new object?[writes.Count];
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        for (var i = 0; i < writes.Count; i++)
        {
            if (i > 0 && !await reader.NextResultAsync(cancellationToken))
            {
                throw new InvalidOperationException($"The batch returned {i} result sets for {writes.Count} inserts.");
            }

            inserted[i] = await reader.ReadAsync(cancellationToken) ? reader.GetValue(0) : null;
        }

        return inserted;
    }

    private static (string Sql, (string Name, object? Value)[] Parameters) BuildInsert(StoreWrite write)
    {
        switch (write)
        {
            case CompletionWrite completion:
                var r = completion.Record;
                return (InsertCompletionSql,
                [
                    ("id", r.Id), ("created", r.Created.ToUnixTimeMilliseconds()), ("model", r.Model), ("endpoint", r.Endpoint),
                    ("tenant", r.Tenant), ("key_id", r.KeyId), ("parameters", r.ParametersJson), ("prompt_tokens", (long)r.PromptTokens),
                    ("completion_tokens", (long)r.CompletionTokens), ("latency", r.LatencySeconds), ("finish_reason", r.FinishReason),
                    ("messages", r.Messages), ("completion", r.Completion), ("prompt_hash", completion.PromptHash),
                ]);
            case FeedbackWrite feedback:
                var e = feedback.Entry;
                return (InsertFeedbackSql,
                [
                    ("id", e.Id), ("completion_id", e.CompletionId), ("created", e.Created.ToUnixTimeMilliseconds()),
                    ("rating", RatingToText(e.Rating)), ("score", e.Score), ("correction", e.Correction), ("comment", e.Comment),
                    ("tags", JsonSerializer.Serialize(e.Tags, FeedbackStoreJsonContext.Default.IReadOnlyListString)),
                    ("source", e.Source), ("key", feedback.IdempotencyKey), ("hash", feedback.RequestHash),
                ]);
            default:
                throw new ArgumentException($"Unknown write type {write.GetType().Name}.", nameof(write));
        }
    }

    /// <summary>Explains why a feedback insert stored no row: a replayed or reused key, or a missing completion.</summary>
    private static async Task<FeedbackWriteResult> ResolveUninsertedFeedbackAsync(
        DbConnection connection, DbTransaction transaction, FeedbackWrite write, CancellationToken cancellationToken)
    {
        if (write.IdempotencyKey is null)
        {
            // A batch retried after a commit whose outcome was lost may find its own row already stored.
            var own = await FindFeedbackAsync(connection, transaction, "f.id = @value", write.Entry.Id, cancellationToken);
            return own is null
                ? new FeedbackWriteResult(FeedbackWriteStatus.CompletionNotFound, null)
                : new FeedbackWriteResult(FeedbackWriteStatus.Created, own.Value.Entry);
        }

        var first = await FindFeedbackAsync(connection, transaction, "f.idempotency_key = @value", write.IdempotencyKey, cancellationToken);
        if (first is null)
        {
            return new FeedbackWriteResult(FeedbackWriteStatus.CompletionNotFound, null);
        }

        return first.Value.RequestHash == write.RequestHash
            ? new FeedbackWriteResult(FeedbackWriteStatus.Replayed, first.Value.Entry)
            : new FeedbackWriteResult(FeedbackWriteStatus.IdempotencyKeyReused, null);
    }

    private static async Task<(FeedbackEntry Entry, string? RequestHash)?> FindFeedbackAsync(
        DbConnection connection, DbTransaction transaction, string condition, string value, CancellationToken cancellationToken)
    {
        await using var command = CreateCommand(connection, transaction,
            $"SELECT {FeedbackColumns}, f.request_hash FROM feedback f WHERE {condition}", ("value", value));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return (ReadFeedback(reader), reader.IsDBNull(10) ? null : reader.GetString(10));
    }
}
