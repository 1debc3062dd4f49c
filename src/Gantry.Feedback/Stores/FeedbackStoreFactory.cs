using Gantry.Feedback.Stores.Postgres;
using Gantry.Feedback.Stores.Sqlite;

namespace Gantry.Feedback.Stores;

/// <summary>Chooses the store from the <c>Database</c> and <c>DataDir</c> settings.</summary>
public static class FeedbackStoreFactory
{
    /// <summary>
    /// Creates a PostgreSQL store when <paramref name="database"/> contains a connection string, and a SQLite store on
    /// <c>gantry.db</c> in <paramref name="dataDirectory"/> otherwise. The caller runs <see cref="IFeedbackStore.MigrateAsync"/>.
    /// </summary>
    public static IFeedbackStore Create(string? database, string dataDirectory) =>
        string.IsNullOrWhiteSpace(database)
            ? new SqliteFeedbackStore(dataDirectory)
            : new PostgresFeedbackStore(database);
}
