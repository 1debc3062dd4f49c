using System.Data.Common;
using System.Runtime.CompilerServices;

namespace Gantry.Feedback.Stores;

public abstract partial class SqlFeedbackStore
{
    /// <inheritdoc />
    public async Task<CompletionRecord?> GetCompletionAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = CreateCommand(connection, null,
            """
            SELECT id, created_ms, model, endpoint, tenant, key_id, parameters, prompt_tokens, completion_tokens,
                latency_seconds, finish_reason, messages, completion
            FROM completions WHERE id = @id
            """,
            ("id", id));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new CompletionRecord
        {
            Id = reader.GetString(0),
            Created = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
            Model = reader.GetString(2),
            Endpoint = reader.GetString(3),
            Tenant = reader.IsDBNull(4) ? null : reader.GetString(4),
            KeyId = reader.IsDBNull(5) ? null : reader.GetString(5),
            ParametersJson = reader.GetString(6),
            PromptTokens = checked((int)reader.GetInt64(7)),
            CompletionTokens = checked((int)reader.GetInt64(8)),
            LatencySeconds = reader.GetDouble(9),
            FinishReason = reader.GetString(10),
            Messages = reader.IsDBNull(11) ? null : reader.GetString(11),
            Completion = reader.IsDBNull(12) ? null : reader.GetString(12),
        };
    }

    /// <inheritdoc />
    public async Task<FeedbackEntry?> GetFeedbackAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = CreateCommand(connection, null, $"SELECT {FeedbackColumns} FROM feedback f WHERE f.id = @id", ("id", id));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadFeedback(reader) : null;
    }

    /// <inheritdoc />
    public Task<FeedbackStats> GetStatsAsync(DateTimeOffset since, string? model, CancellationToken cancellationToken) =>
        GetStatsAsync(since, model, null, cancellationToken);

    /// <inheritdoc />
    public async Task<FeedbackStats> GetStatsAsync(DateTimeOffset since, string? model, string? tenant,
        CancellationToken cancellationToken)
    {
        var modelFilter = model is null ? string.Empty : " AND model = @model";
        var tenantFilter = tenant is null ? string.Empty : " AND completion_id IN (SELECT id FROM completions WHERE tenant = @tenant)";
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = CreateCommand(connection, null,
            $"""
            SELECT model,
                SUM(CASE WHEN rating = 'up' THEN 1 ELSE 0 END),
                SUM(CASE WHEN rating = 'down' THEN 1 ELSE 0 END),
                SUM(CASE WHEN rating IS NULL THEN 1 ELSE 0 END),
                COUNT(score),
                AVG(score)
            FROM feedback
            WHERE created_ms >= @since{modelFilter}{tenantFilter}
            GROUP BY model
            ORDER BY model
            """,
            WithModel(model, tenant is null
                ? [("since", since.ToUnixTimeMilliseconds())]
                : [("since", since.ToUnixTimeMilliseconds()), ("tenant", tenant)]));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var models = new List<ModelFeedbackStats>();
        while (await reader.ReadAsync(cancellationToken))
        {
            models.Add(new ModelFeedbackStats(
                reader.GetString(0),
                ReadLong(reader, 1),
                ReadLong(reader, 2),
                ReadLong(reader, 3),
                ReadLong(reader, 4),
                reader.IsDBNull(5) ? null : Convert.ToDouble(reader.GetValue(5), System.Globalization.CultureInfo.InvariantCulture)));
        }

        return new FeedbackStats(since, models);
    }

    /// <inheritdoc />
    public async Task<long> CountFeedbackAsync(long afterSeq, long uptoSeq, string? model, string? tenant,
        CancellationToken cancellationToken)
    {
        var modelFilter = model is null ? string.Empty : " AND model = @model";
        var tenantFilter = tenant is null ? string.Empty : " AND completion_id IN (SELECT id FROM completions WHERE tenant = @tenant)";
        await using var connection = await OpenConnectionAsync(cancellationToken);
        return await ScalarAsync(connection, null,
            $"SELECT COUNT(*) FROM feedback WHERE seq > @after AND seq <= @upto{modelFilter}{tenantFilter}",
            cancellationToken, WithScope(model, tenant, ("after", afterSeq), ("upto", uptoSeq)));
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<SftExample> ReadSftExamplesAsync(
        long afterSeq, long uptoSeq, string? model, string? tenant, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // A correction always yields an example. A rating up without a correction yields one only for the first
        // such entry of the completion, so that several users agreeing does not duplicate the example.
        var modelFilter = model is null ? string.Empty : " AND f.model = @model";
        modelFilter += tenant is null ? string.Empty : " AND c.tenant = @tenant";
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = CreateCommand(connection, null,
            $"""
            SELECT f.seq, c.messages, COALESCE(f.correction, c.completion)
            FROM feedback f JOIN completions c ON c.id = f.completion_id
            WHERE f.seq > @after AND f.seq <= @upto{modelFilter} AND c.messages IS NOT NULL
              AND (f.correction IS NOT NULL
                OR (f.rating = 'up' AND c.completion IS NOT NULL AND f.seq = (
                    SELECT MIN(u.seq) FROM feedback u
                    WHERE u.completion_id = f.completion_id AND u.rating = 'up' AND u.correction IS NULL)))
            ORDER BY f.seq
            """,
            WithScope(model, tenant, ("after", afterSeq), ("upto", uptoSeq)));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return new SftExample(reader.GetInt64(0), reader.GetString(1), reader.GetString(2));
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<DpoExample> ReadDpoExamplesAsync(
        long afterSeq, long uptoSeq, string? model, string? tenant, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Two kinds of pairs: a correction against the answer it replaces, and an answer rated up against an
        // answer rated down for the same prompt (same prompt_hash). The second kind uses the first up and first
        // down entry per completion, and a pair belongs to the export that contains the later of the two.
        // NOTE: pairs grow with (answers rated up) x (answers rated down) per prompt, so a prompt sent
        // thousands of times with mixed ratings makes a large export.
        var correctionFilter = model is null ? string.Empty : " AND f.model = @model";
        var pairFilter = model is null ? string.Empty : " AND cu.model = @model";
        correctionFilter += tenant is null ? string.Empty : " AND c.tenant = @tenant";
        pairFilter += tenant is null ? string.Empty : " AND cu.tenant = @tenant AND cd.tenant = @tenant";
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = CreateCommand(connection, null,
            $"""
            WITH ups AS (
                SELECT completion_id, MIN(seq) AS seq FROM feedback
                WHERE rating = 'up' AND correction IS NULL AND seq <= @upto GROUP BY completion_id),
            downs AS (
                SELECT completion_id, MIN(seq) AS seq FROM feedback
                WHERE rating = 'down' AND seq <= @upto GROUP BY completion_id),
            pairs AS (
                SELECT f.seq AS seq, 0 AS kind, f.seq AS first_seq, 0 AS second_seq,
                    c.messages AS messages, f.correction AS chosen, c.completion AS rejected
                FROM feedback f JOIN completions c ON c.id = f.completion_id
                WHERE f.seq > @after AND f.seq <= @upto{correctionFilter} AND f.correction IS NOT NULL
                  AND c.messages IS NOT NULL AND c.completion IS NOT NULL AND f.correction <> c.completion
                UNION ALL
                SELECT CASE WHEN u.seq > d.seq THEN u.seq ELSE d.seq END, 1, u.seq, d.seq,
                    cu.messages, cu.completion, cd.completion
                FROM ups u
                JOIN completions cu ON cu.id = u.completion_id
                JOIN completions cd ON cd.prompt_hash = cu.prompt_hash AND cd.id <> cu.id
                JOIN downs d ON d.completion_id = cd.id
                WHERE (u.seq > @after OR d.seq > @after){pairFilter}
                  AND cu.messages IS NOT NULL AND cu.completion IS NOT NULL AND cd.completion IS NOT NULL
                  AND cu.completion <> cd.completion)
            SELECT seq, messages, chosen, rejected FROM pairs
            ORDER BY seq, kind, first_seq, second_seq
            """,
            WithScope(model, tenant, ("after", afterSeq), ("upto", uptoSeq)));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return new DpoExample(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3));
        }
    }

    /// <inheritdoc />
    public async Task<int> DeleteRecordsBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var cutoffMs = cutoff.ToUnixTimeMilliseconds();
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var transaction = await BeginWriteTransactionAsync(connection, cancellationToken);
        await ExecuteAsync(connection, transaction,
            "DELETE FROM feedback WHERE completion_id IN (SELECT id FROM completions WHERE created_ms < @cutoff)",
            cancellationToken, ("cutoff", cutoffMs));
        var deleted = await ExecuteAsync(connection, transaction,
            "DELETE FROM completions WHERE created_ms < @cutoff", cancellationToken, ("cutoff", cutoffMs));
        await ExecuteAsync(connection, transaction,
            "DELETE FROM outbox WHERE sent_ms IS NOT NULL AND sent_ms < @cutoff", cancellationToken, ("cutoff", cutoffMs));
        await transaction.CommitAsync(CancellationToken.None);
        return deleted;
    }

    /// <summary>Appends the <c>model</c> parameter when a model filter is set, because PostgreSQL cannot type an unused null.</summary>
    private static (string Name, object? Value)[] WithModel(string? model, params (string Name, object? Value)[] parameters) =>
        model is null ? parameters : [.. parameters, ("model", model)];

    private static (string Name, object? Value)[] WithScope(string? model, string? tenant,
        params (string Name, object? Value)[] parameters)
    {
        var scoped = WithModel(model, parameters);
        return tenant is null ? scoped : [.. scoped, ("tenant", tenant)];
    }

    /// <summary>Reads an integer column that SQLite and PostgreSQL may return as different CLR types.</summary>
    protected static long ReadLong(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? 0 : Convert.ToInt64(reader.GetValue(ordinal), System.Globalization.CultureInfo.InvariantCulture);
}
