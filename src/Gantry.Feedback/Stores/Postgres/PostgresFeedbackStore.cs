using System.Data.Common;
using Npgsql;

namespace Gantry.Feedback.Stores.Postgres;

/// <summary>The store on a PostgreSQL database, shared by every replica of the server.</summary>
/// <remarks>
/// Durability follows the server's <c>synchronous_commit</c>, which is <c>on</c> by default. Migrations and
/// retraining decisions are serialized across replicas with advisory locks.
/// </remarks>
public sealed class PostgresFeedbackStore : SqlFeedbackStore
{
    // Arbitrary constants that name this application's advisory locks. Other users of the database must avoid them.
    private const long MigrationLockKey = 0x47414E5452590001;
    private const long RetrainingLockKey = 0x47414E5452590002;

    private readonly NpgsqlDataSource _dataSource;
    private readonly double _horizonSettleSeconds;

    /// <summary>Creates a store for <paramref name="connectionString"/>.</summary>
    /// <param name="connectionString">An Npgsql connection string.</param>
    /// <param name="horizonSettle">
    /// How long a feedback row must have existed before exports include it (see <see cref="GetExportHorizonAsync"/>).
    /// </param>
    public PostgresFeedbackStore(string connectionString, TimeSpan? horizonSettle = null)
    {
        _dataSource = NpgsqlDataSource.Create(connectionString);
        _horizonSettleSeconds = (horizonSettle ?? DefaultHorizonSettle).TotalSeconds;
    }

    /// <summary>Default for the horizon settle time: 5 seconds.</summary>
    public static TimeSpan DefaultHorizonSettle { get; } = TimeSpan.FromSeconds(5);

    /// <inheritdoc />
    public override string Kind => "postgres";

    /// <inheritdoc />
    protected override IReadOnlyList<Migration> Migrations => PostgresMigrations.All;

    /// <inheritdoc />
    protected override string ClaimLockClause => " FOR UPDATE SKIP LOCKED";

    /// <inheritdoc />
    protected override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken);

    /// <inheritdoc />
    protected override async Task<DbTransaction> BeginWriteTransactionAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await connection.BeginTransactionAsync(cancellationToken);

    /// <inheritdoc />
    protected override async Task<IAsyncDisposable?> LockMigrationsAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await ExecuteAsync(connection, null, "SELECT pg_advisory_lock(@key)", cancellationToken, ("key", MigrationLockKey));
        return new AdvisoryLockRelease(connection, MigrationLockKey);
    }

    /// <inheritdoc />
    protected override Task LockRetrainingAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, transaction, "SELECT pg_advisory_xact_lock(@key)", cancellationToken, ("key", RetrainingLockKey));

    /// <summary>
    /// Returns the largest sequence number among rows written at least the settle time ago. Identity values are
    /// taken when a row is inserted, not when it commits, so a newer row can be visible while an older number is
    /// still uncommitted. Waiting out the settle time lets such transactions finish.
    /// </summary>
    /// <remarks>NOTE: a write transaction that stays open longer than the settle time can still be skipped.</remarks>
    public override async Task<long> GetExportHorizonAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        return await ScalarAsync(connection, null,
            "SELECT COALESCE(MAX(seq), 0) FROM feedback WHERE inserted_at <= clock_timestamp() - make_interval(secs => @settle)",
            cancellationToken, ("settle", _horizonSettleSeconds));
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        await base.DisposeAsync();
    }

    private sealed class AdvisoryLockRelease(DbConnection connection, long key) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() =>
            await ExecuteAsync(connection, null, "SELECT pg_advisory_unlock(@key)", CancellationToken.None, ("key", key));
    }
}
