namespace Gantry.Feedback.Stores.Postgres;

/// <summary>The PostgreSQL schema, one migration per version.</summary>
internal static class PostgresMigrations
{
    /// <summary>All migrations in version order.</summary>
    public static IReadOnlyList<Migration> All { get; } =
    [
        new(1, "completions, feedback, retraining state and outbox",
            """
            CREATE TABLE completions (
                id TEXT PRIMARY KEY,
                created_ms BIGINT NOT NULL,
                model TEXT NOT NULL,
                endpoint TEXT NOT NULL,
                tenant TEXT,
                key_id TEXT,
                parameters TEXT NOT NULL,
                prompt_tokens BIGINT NOT NULL,
                completion_tokens BIGINT NOT NULL,
                latency_seconds DOUBLE PRECISION NOT NULL,
                finish_reason TEXT NOT NULL,
                messages TEXT,
                completion TEXT,
                prompt_hash TEXT);
            CREATE INDEX ix_completions_created ON completions (created_ms);
            CREATE INDEX ix_completions_prompt_hash ON completions (prompt_hash);

            -- inserted_at is the database clock when the row was written; the export horizon uses it to wait
            -- for transactions that took a smaller sequence number but have not committed yet.
            CREATE TABLE feedback (
                seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                completion_id TEXT NOT NULL,
                created_ms BIGINT NOT NULL,
                model TEXT NOT NULL,
                rating TEXT,
                score DOUBLE PRECISION,
                correction TEXT,
                comment TEXT,
                tags TEXT NOT NULL,
                source TEXT,
                idempotency_key TEXT UNIQUE,
                request_hash TEXT,
                inserted_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp());
            CREATE INDEX ix_feedback_completion ON feedback (completion_id);
            CREATE INDEX ix_feedback_created ON feedback (created_ms);
            CREATE INDEX ix_feedback_inserted ON feedback (inserted_at);

            CREATE TABLE retraining_state (
                model TEXT PRIMARY KEY,
                last_seq BIGINT NOT NULL,
                last_event_id TEXT NOT NULL);

            CREATE TABLE outbox (
                id TEXT PRIMARY KEY,
                created_ms BIGINT NOT NULL,
                payload TEXT NOT NULL,
                attempts BIGINT NOT NULL,
                next_attempt_ms BIGINT NOT NULL,
                lease_until_ms BIGINT NOT NULL,
                sent_ms BIGINT,
                last_error TEXT);
            CREATE INDEX ix_outbox_pending ON outbox (sent_ms, next_attempt_ms);
            """),
    ];
}
