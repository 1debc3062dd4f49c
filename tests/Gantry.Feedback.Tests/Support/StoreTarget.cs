using Gantry.Feedback.Stores;
using Gantry.Feedback.Stores.Postgres;
using Gantry.Feedback.Stores.Sqlite;

namespace Gantry.Feedback.Tests.Support;

/// <summary>
/// One database for one test: a SQLite file in a temp directory or a new PostgreSQL database. Creates any number
/// of store instances on it, as separate processes or replicas would.
/// </summary>
public sealed class StoreTarget : IAsyncDisposable
{
    private readonly PostgresTestDatabase? _postgres;
    private readonly List<IFeedbackStore> _stores = [];

    private StoreTarget(TestDirectory directory, PostgresTestDatabase? postgres)
    {
        Directory = directory;
        _postgres = postgres;
    }

    public TestDirectory Directory { get; }

    /// <summary>The PostgreSQL connection string, or null for SQLite.</summary>
    public string? Database => _postgres?.ConnectionString;

    public static async Task<StoreTarget> CreateAsync(bool postgres) =>
        new(new TestDirectory(), postgres ? await PostgresTestDatabase.CreateAsync() : null);

    /// <summary>Opens a migrated store; the export horizon on PostgreSQL does not wait, so tests see rows at once.</summary>
    public async Task<IFeedbackStore> OpenStoreAsync()
    {
        IFeedbackStore store = _postgres is null
            ? new SqliteFeedbackStore(Directory.Path)
            : new PostgresFeedbackStore(_postgres.ConnectionString, TimeSpan.Zero);
        await store.MigrateAsync(CancellationToken.None);
        _stores.Add(store);
        return store;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Dispose();
    }
}
