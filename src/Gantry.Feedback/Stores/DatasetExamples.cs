namespace Gantry.Feedback.Stores;

/// <summary>A supervised fine-tuning example read from the store.</summary>
/// <param name="Seq">Feedback sequence number that produced the example, by which exports are ordered.</param>
/// <param name="MessagesJson">The request messages as a JSON array.</param>
/// <param name="Answer">The correction, or the original completion when it was rated up.</param>
public sealed record SftExample(long Seq, string MessagesJson, string Answer);

/// <summary>A preference pair read from the store.</summary>
/// <param name="Seq">The larger feedback sequence number of the pair, by which exports are ordered.</param>
/// <param name="MessagesJson">The request messages as a JSON array.</param>
/// <param name="Chosen">The preferred completion: a correction or a completion rated up.</param>
/// <param name="Rejected">The completion rated down, or the completion that a correction replaced.</param>
public sealed record DpoExample(long Seq, string MessagesJson, string Chosen, string Rejected);
