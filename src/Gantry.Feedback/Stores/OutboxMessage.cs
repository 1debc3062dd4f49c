namespace Gantry.Feedback.Stores;

/// <summary>An event waiting in the outbox table for delivery.</summary>
/// <param name="Id">The event id, stable across delivery attempts.</param>
/// <param name="PayloadJson">The exact body to send.</param>
/// <param name="Attempts">Delivery attempts made so far.</param>
public sealed record OutboxMessage(string Id, string PayloadJson, int Attempts);

/// <summary>Feedback activity of one model, used to decide whether to request retraining.</summary>
/// <param name="Model">The model name.</param>
/// <param name="LastSeq">Feedback sequence number covered by the previous retraining request, 0 when none.</param>
/// <param name="MaxSeq">Largest feedback sequence number counted in <paramref name="NewExamples"/>.</param>
/// <param name="NewExamples">Entries after <paramref name="LastSeq"/> that carry a rating or a correction.</param>
/// <param name="WindowUp">Entries rated up in the window.</param>
/// <param name="WindowDown">Entries rated down in the window.</param>
public sealed record ModelTrainingActivity(string Model, long LastSeq, long MaxSeq, long NewExamples, long WindowUp, long WindowDown);
