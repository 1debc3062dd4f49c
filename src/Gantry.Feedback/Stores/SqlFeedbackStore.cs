using System.Data.Common;
using System.Text.Json;

namespace Gantry.Feedback.Stores;

/// <summary>
/// The ADO.NET implementation shared by the SQLite and PostgreSQL stores. Both run the same SQL except for the
/// parts each subclass supplies: opening connections, write transactions, migrations and the export horizon.
/// </summary>
public abstract partial class SqlFeedbackStore : IFeedbackStore
{
    private const string FeedbackColumns =
        "f.id, f.completion_id, f.created_ms, f.model, f.rating, f.score, f.correction, f.comment, f.tags, f.source";

    /// <inheritdoc />
    public abstract string Kind { get; }

    /// <summary>The schema migrations in version order.</summary>
    protected abstract IReadOnlyList<Migration> Migrations { get; }

    /// <summary>Suffix for the outbox claim subquery that skips rows other replicas have locked.</summary>
    protected virtual string ClaimLockClause => string.Empty;

    /// <summary>Opens a connection with the settings every statement relies on.</summary>
    protected abstract Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken);

    /// <summary>Starts a transaction that holds the write lock from its first statement.</summary>
    protected abstract Task<DbTransaction> BeginWriteTransactionAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Serializes migrations across processes until the returned handle is disposed.</summary>
    protected virtual Task<IAsyncDisposable?> LockMigrationsAsync(DbConnection connection, CancellationToken cancellationToken) =>
        Task.FromResult<IAsyncDisposable?>(null);

    /// <inheritdoc />
    public abstract Task<long> GetExportHorizonAsync(CancellationToken cancellationToken);

    /// <inheritdoc />
    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        var migrationLock = await LockMigrationsAsync(connection, cancellationToken);
        try
        {
            await ExecuteAsync(connection, null,
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms BIGINT NOT NULL)",
                cancellationToken);
            foreach (var migration in Migrations)
            {
                await ApplyMigrationAsync(connection, migration, cancellationToken);
            }
        }
        finally
        {
            if (migrationLock is not null)
            {
                await migrationLock.DisposeAsync();
            }
        }
    }

    private async Task ApplyMigrationAsync(DbConnection connection, Migration migration, CancellationToken cancellationToken)
    {
        await using var transaction = await BeginWriteTransactionAsync(connection, cancellationToken);

        // Checked inside the write transaction so that a second process that waited for the lock skips it.
        var applied = await ScalarAsync(connection, transaction,
            "SELECT COUNT(*) FROM schema_migrations WHERE version = @version", cancellationToken, ("version", migration.Version));
        if (applied > 0)
        {
            return;
        }

        await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken);
        await ExecuteAsync(connection, transaction,
            "INSERT INTO schema_migrations (version, name, applied_ms) VALUES (@version, @name, @applied)",
            cancellationToken,
            ("version", migration.Version), ("name", migration.Name), ("applied", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        await transaction.CommitAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<FeedbackWriteResult?>> ApplyBatchAsync(IReadOnlyList<StoreWrite> writes, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var transaction = await BeginWriteTransactionAsync(connection, cancellationToken);
        var results = new FeedbackWriteResult?[writes.Count];
        for (var i = 0; i < writes.Count; i++)
        {
            results[i] = writes[i] switch
            {
                CompletionWrite completion => await InsertCompletionAsync(connection, transaction, completion, cancellationToken),
                FeedbackWrite feedback => await InsertFeedbackAsync(connection, transaction, feedback, cancellationToken),
                _ => throw new ArgumentException($"Unknown write type {writes[i].GetType().Name}.", nameof(writes)),
            };
        }

        // Not cancellable: once the commit is sent, the outcome must be observed to report it truthfully.
        await transaction.CommitAsync(CancellationToken.None);
        return results;
    }

    private static async Task<FeedbackWriteResult?> InsertCompletionAsync(
        DbConnection connection, DbTransaction transaction, CompletionWrite write, CancellationToken cancellationToken)
    {
        var r = write.Record;
        await ExecuteAsync(connection, transaction,
            """
            INSERT INTO completions (id, created_ms, model, endpoint, tenant, key_id, parameters, prompt_tokens,
                completion_tokens, latency_seconds, finish_reason, messages, completion, prompt_hash)
            VALUES (@id, @created, @model, @endpoint, @tenant, @key_id, @parameters, @prompt_tokens,
                @completion_tokens, @latency, @finish_reason, @messages, @completion, @prompt_hash)
            ON CONFLICT DO NOTHING
            """,
            cancellationToken,
            ("id", r.Id), ("created", r.Created.ToUnixTimeMilliseconds()), ("model", r.Model), ("endpoint", r.Endpoint),
            ("tenant", r.Tenant), ("key_id", r.KeyId), ("parameters", r.ParametersJson), ("prompt_tokens", (long)r.PromptTokens),
            ("completion_tokens", (long)r.CompletionTokens), ("latency", r.LatencySeconds), ("finish_reason", r.FinishReason),
            ("messages", r.Messages), ("completion", r.Completion), ("prompt_hash", write.PromptHash));
        return null;
    }

    private static async Task<FeedbackWriteResult?> InsertFeedbackAsync(
        DbConnection connection, DbTransaction transaction, FeedbackWrite write, CancellationToken cancellationToken)
    {
        var e = write.Entry;

        // The model is copied from the stored record, and a missing record inserts nothing. ON CONFLICT covers a
        // reused idempotency key, including one inserted earlier in this batch or by another replica. The CAST
        // types a null score, which PostgreSQL would otherwise read as text in a SELECT list.
        await using var insert = CreateCommand(connection, transaction,
            """
            INSERT INTO feedback (id, completion_id, created_ms, model, rating, score, correction, comment, tags, source,
                idempotency_key, request_hash)
            SELECT @id, c.id, @created, c.model, @rating, CAST(@score AS DOUBLE PRECISION), @correction, @comment, @tags, @source, @key, @hash
            FROM completions c WHERE c.id = @completion_id
            ON CONFLICT DO NOTHING
            RETURNING model
            """,
            ("id", e.Id), ("completion_id", e.CompletionId), ("created", e.Created.ToUnixTimeMilliseconds()),
            ("rating", RatingToText(e.Rating)), ("score", e.Score), ("correction", e.Correction), ("comment", e.Comment),
            ("tags", JsonSerializer.Serialize(e.Tags, FeedbackStoreJsonContext.Default.IReadOnlyListString)),
            ("source", e.Source), ("key", write.IdempotencyKey), ("hash", write.RequestHash));
        var model = (string?)await insert.ExecuteScalarAsync(cancellationToken);
        if (model is not null)
        {
            return new FeedbackWriteResult(FeedbackWriteStatus.Created, e with { Model = model });
        }

        if (write.IdempotencyKey is null)
        {
            // A batch retried after a commit whose outcome was lost may find its own row already stored.
            await using var byId = CreateCommand(connection, transaction, $"SELECT {FeedbackColumns} FROM feedback f WHERE f.id = @id", ("id", e.Id));
            await using var byIdReader = await byId.ExecuteReaderAsync(cancellationToken);
            return await byIdReader.ReadAsync(cancellationToken)
                ? new FeedbackWriteResult(FeedbackWriteStatus.Created, ReadFeedback(byIdReader))
                : new FeedbackWriteResult(FeedbackWriteStatus.CompletionNotFound, null);
        }

        await using var select = CreateCommand(connection, transaction,
            $"SELECT {FeedbackColumns}, f.request_hash FROM feedback f WHERE f.idempotency_key = @key",
            ("key", write.IdempotencyKey));
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return new FeedbackWriteResult(FeedbackWriteStatus.CompletionNotFound, null);
        }

        var first = ReadFeedback(reader);
        var firstHash = reader.IsDBNull(10) ? null : reader.GetString(10);
        return firstHash == write.RequestHash
            ? new FeedbackWriteResult(FeedbackWriteStatus.Replayed, first)
            : new FeedbackWriteResult(FeedbackWriteStatus.IdempotencyKeyReused, null);
    }

    /// <summary>Maps a rating to its stored text.</summary>
    protected static string? RatingToText(FeedbackRating? rating) => rating switch
    {
        FeedbackRating.Up => "up",
        FeedbackRating.Down => "down",
        _ => null,
    };

    private static FeedbackRating? RatingFromText(string? text) => text switch
    {
        "up" => FeedbackRating.Up,
        "down" => FeedbackRating.Down,
        null => null,
        _ => throw new InvalidDataException($"Stored rating '{text}' is not up or down."),
    };

    private static FeedbackEntry ReadFeedback(DbDataReader reader) => new()
    {
        Id = reader.GetString(0),
        CompletionId = reader.GetString(1),
        Created = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
        Model = reader.GetString(3),
        Rating = RatingFromText(reader.IsDBNull(4) ? null : reader.GetString(4)),
        Score = reader.IsDBNull(5) ? null : reader.GetDouble(5),
        Correction = reader.IsDBNull(6) ? null : reader.GetString(6),
        Comment = reader.IsDBNull(7) ? null : reader.GetString(7),
        Tags = JsonSerializer.Deserialize(reader.GetString(8), FeedbackStoreJsonContext.Default.IReadOnlyListString) ?? [],
        Source = reader.IsDBNull(9) ? null : reader.GetString(9),
    };

    /// <summary>Creates a command with named parameters; a null value is sent as SQL NULL.</summary>
    protected static DbCommand CreateCommand(
        DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        return command;
    }

    /// <summary>Runs a statement and returns the number of rows it changed.</summary>
    protected static async Task<int> ExecuteAsync(
        DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken,
        params (string Name, object? Value)[] parameters)
    {
        await using var command = CreateCommand(connection, transaction, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Runs a query that returns one integer, treating NULL as 0.</summary>
    protected static async Task<long> ScalarAsync(
        DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken,
        params (string Name, object? Value)[] parameters)
    {
        await using var command = CreateCommand(connection, transaction, sql, parameters);
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is null or DBNull ? 0 : Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
    }
}
