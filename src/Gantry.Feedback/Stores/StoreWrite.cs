namespace Gantry.Feedback.Stores;

/// <summary>A write that the store applies inside a group-committed transaction.</summary>
public abstract record StoreWrite;

/// <summary>Inserts a completion record unless one with the same id exists.</summary>
/// <param name="Record">The record, already reduced to what the capture mode allows.</param>
/// <param name="PromptHash">SHA-256 of <see cref="CompletionRecord.Messages"/> in hex, used to pair answers to one prompt.</param>
public sealed record CompletionWrite(CompletionRecord Record, string? PromptHash) : StoreWrite;

/// <summary>Inserts a feedback entry for an existing completion.</summary>
/// <param name="Entry">The entry. Its <see cref="FeedbackEntry.Model"/> is ignored and copied from the completion record.</param>
/// <param name="IdempotencyKey">The client's <c>Idempotency-Key</c>, if any.</param>
/// <param name="RequestHash">SHA-256 of the request body, stored with the key to detect a key reused for another body.</param>
public sealed record FeedbackWrite(FeedbackEntry Entry, string? IdempotencyKey, string? RequestHash) : StoreWrite;

/// <summary>What happened to a <see cref="FeedbackWrite"/>.</summary>
public enum FeedbackWriteStatus
{
    /// <summary>The entry was stored.</summary>
    Created,

    /// <summary>The idempotency key was used before with the same body, so the first entry is returned.</summary>
    Replayed,

    /// <summary>No completion record has the given id.</summary>
    CompletionNotFound,

    /// <summary>The idempotency key was used before with a different body.</summary>
    IdempotencyKeyReused,
}

/// <summary>The outcome of a <see cref="FeedbackWrite"/>.</summary>
/// <param name="Status">What happened.</param>
/// <param name="Entry">The stored entry for <see cref="FeedbackWriteStatus.Created"/> and <see cref="FeedbackWriteStatus.Replayed"/>.</param>
public sealed record FeedbackWriteResult(FeedbackWriteStatus Status, FeedbackEntry? Entry);
