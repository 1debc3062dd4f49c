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

    /// <summary>Creates a command with named parameters, sending a null value as SQL NULL.</summary>
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
