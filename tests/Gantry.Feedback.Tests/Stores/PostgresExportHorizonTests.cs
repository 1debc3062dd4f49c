using Gantry.Feedback.Stores.Postgres;
using Gantry.Feedback.Tests.Support;
using Npgsql;

namespace Gantry.Feedback.Tests.Stores;

/// <summary>The PostgreSQL export horizon, which holds back rows younger than the settle time.</summary>
public sealed class PostgresExportHorizonTests
{
    [SkippableFact]
    public async Task Horizon_FreshRow_IsHeldBackUntilSettled()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        await using var store = new PostgresFeedbackStore(database.ConnectionString, TimeSpan.FromMinutes(10));
        await store.MigrateAsync(CancellationToken.None);
        await using (var harness = FeedbackHarness.Create(store))
        {
            await harness.RecordAsync(Records.Completion("c1"));
            await harness.SubmitAsync(Records.Up("c1"));
            await harness.SubmitAsync(Records.Up("c1"));
        }

        var fresh = await store.GetExportHorizonAsync(CancellationToken.None);
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var age = new NpgsqlCommand("UPDATE feedback SET inserted_at = inserted_at - interval '11 minutes' WHERE seq = 1", connection);
            await age.ExecuteNonQueryAsync();
        }

        var oneSettled = await store.GetExportHorizonAsync(CancellationToken.None);

        Assert.Equal(0, fresh);
        Assert.Equal(1, oneSettled);
    }
}
