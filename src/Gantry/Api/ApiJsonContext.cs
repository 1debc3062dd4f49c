using System.Text.Json.Serialization;

namespace Gantry.Api;

/// <summary>Source-generated JSON metadata for the wire types shared by all routes.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ApiErrorBody))]
internal sealed partial class ApiJsonContext : JsonSerializerContext
{
}
