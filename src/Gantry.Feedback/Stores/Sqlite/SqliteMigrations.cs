namespace Gantry.Feedback.Stores.Sqlite;

/// <summary>The SQLite schema, one migration per version.</summary>
internal static class SqliteMigrations
{
    /// <summary>All migrations in version order.</summary>
    public static IReadOnlyList<Migration> All { get; } =
    [
        new(1, "completions, feedback, retraining state and outbox",
            """
            CREATE TABLE completions (
                id TEXT PRIMARY KEY,
                created_ms INTEGER NOT NULL,
                model TEXT NOT NULL,
                endpoint TEXT NOT NULL,
                tenant TEXT,
                key_id TEXT,
                parameters TEXT NOT NULL,
                prompt_tokens INTEGER NOT NULL,
                completion_tokens INTEGER NOT NULL,
                latency_seconds REAL NOT NULL,
                finish_reason TEXT NOT NULL,
                messages TEXT,
                completion TEXT,
                prompt_hash TEXT);
            CREATE INDEX ix_completions_created ON completions (created_ms);
            CREATE INDEX ix_completions_prompt_hash ON completions (prompt_hash);

            -- AUTOINCREMENT keeps sequence numbers from being reused after retention deletes the newest rows,
            -- which would hide new rows from an incremental export.
            CREATE TABLE feedback (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                id TEXT NOT NULL UNIQUE,
                completion_id TEXT NOT NULL,
                created_ms INTEGER NOT NULL,
                model TEXT NOT NULL,
                rating TEXT,
                score REAL,
                correction TEXT,
                comment TEXT,
                tags TEXT NOT NULL,
                source TEXT,
                idempotency_key TEXT UNIQUE,
                request_hash TEXT);
            CREATE INDEX ix_feedback_completion ON feedback (completion_id);
            CREATE INDEX ix_feedback_created ON feedback (created_ms);

            CREATE TABLE retraining_state (
                model TEXT PRIMARY KEY,
                last_seq INTEGER NOT NULL,
                last_event_id TEXT NOT NULL);

            CREATE TABLE outbox (
                id TEXT PRIMARY KEY,
                created_ms INTEGER NOT NULL,
                payload TEXT NOT NULL,
                attempts INTEGER NOT NULL,
                next_attempt_ms INTEGER NOT NULL,
                lease_until_ms INTEGER NOT NULL,
                sent_ms INTEGER,
                last_error TEXT);
            CREATE INDEX ix_outbox_pending ON outbox (sent_ms, next_attempt_ms);
            """),
    ];
}
