using System.Text.Json.Serialization;

namespace Gantry.Feedback.Stores;

/// <summary>Source-generated JSON metadata for values the stores keep as JSON text.</summary>
[JsonSerializable(typeof(IReadOnlyList<string>))]
internal sealed partial class FeedbackStoreJsonContext : JsonSerializerContext
{
}
