using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Gantry.Feedback.Stores.Sqlite;

/// <summary>
/// The store on one SQLite file, <c>&lt;data-dir&gt;/gantry.db</c>, in WAL mode with <c>synchronous=FULL</c> so that
/// a committed transaction survives a power loss.
/// </summary>
/// <remarks>
/// Write transactions start with <c>BEGIN IMMEDIATE</c>, so writers from this and other processes take turns
/// and sequence numbers are assigned in commit order.
/// </remarks>
public sealed class SqliteFeedbackStore : SqlFeedbackStore
{
    /// <summary>The database file name inside the data directory.</summary>
    public const string FileName = "gantry.db";

    private readonly string _connectionString;

    /// <summary>Creates a store on <c>gantry.db</c> in <paramref name="dataDirectory"/>, creating the directory if needed.</summary>
    public SqliteFeedbackStore(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        DatabasePath = Path.GetFullPath(Path.Combine(dataDirectory, FileName));
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    /// <summary>Full path of the database file.</summary>
    public string DatabasePath { get; }

    /// <inheritdoc />
    public override string Kind => "sqlite";

    /// <inheritdoc />
    protected override IReadOnlyList<Migration> Migrations => SqliteMigrations.All;

    /// <inheritdoc />
    protected override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);

            // journal_mode is stored in the file, but synchronous and busy_timeout belong to each connection.
            await ExecuteAsync(connection, null,
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000;", cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc />
    protected override async Task<DbTransaction> BeginWriteTransactionAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        // Microsoft.Data.Sqlite sends BEGIN IMMEDIATE unless the transaction is deferred.
        return await connection.BeginTransactionAsync(cancellationToken);
    }

    /// <inheritdoc />
    public override async Task<long> GetExportHorizonAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        return await ScalarAsync(connection, null, "SELECT COALESCE(MAX(seq), 0) FROM feedback", cancellationToken);
    }
}
