namespace Gantry.Feedback.Stores;

/// <summary>A supervised fine-tuning example read from the store.</summary>
/// <param name="Seq">Feedback sequence number that produced the example; exports are ordered by it.</param>
/// <param name="MessagesJson">The request messages as a JSON array.</param>
/// <param name="Answer">The correction, or the original answer when it was rated up.</param>
public sealed record SftExample(long Seq, string MessagesJson, string Answer);

/// <summary>A preference pair read from the store.</summary>
/// <param name="Seq">The larger feedback sequence number of the pair; exports are ordered by it.</param>
/// <param name="MessagesJson">The request messages as a JSON array.</param>
/// <param name="Chosen">The preferred answer: a correction or an answer rated up.</param>
/// <param name="Rejected">The answer rated down, or the answer that a correction replaced.</param>
public sealed record DpoExample(long Seq, string MessagesJson, string Chosen, string Rejected);
