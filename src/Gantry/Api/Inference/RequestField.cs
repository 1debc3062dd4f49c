using System.Text.Json;

namespace Gantry.Api.Inference;

/// <summary>Typed reads of JSON request fields that report a 400 naming the field on a wrong type or range.</summary>
internal static class RequestField
{
    public static bool TryGetString(JsonElement root, string name, bool required, out string? value, out ApiError? error)
    {
        value = null;
        error = null;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                error = ApiError.Invalid($"Missing required field '{name}'.", name, "missing_required_parameter");
                return false;
            }

            return true;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            error = ApiError.Invalid($"Field '{name}' must be a string, not {Describe(element)}.", name, "invalid_type");
            return false;
        }

        value = element.GetString();
        return true;
    }

    public static bool TryGetBool(JsonElement root, string name, out bool value, out ApiError? error)
    {
        value = false;
        error = null;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            error = ApiError.Invalid($"Field '{name}' must be a boolean, not {Describe(element)}.", name, "invalid_type");
            return false;
        }

        value = element.GetBoolean();
        return true;
    }

    public static bool TryGetNumber(JsonElement root, string name, double min, double max, out double? value,
        out ApiError? error)
    {
        value = null;
        error = null;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.Number || !element.TryGetDouble(out var number) || !double.IsFinite(number))
        {
            error = ApiError.Invalid($"Field '{name}' must be a number, not {Describe(element)}.", name, "invalid_type");
            return false;
        }

        if (number < min || number > max)
        {
            error = ApiError.Invalid($"Field '{name}' is {number}, but it must be between {min} and {max}.", name);
            return false;
        }

        value = number;
        return true;
    }

    public static bool TryGetInteger(JsonElement root, string name, long min, long max, out long? value,
        out ApiError? error)
    {
        value = null;
        error = null;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out var number))
        {
            error = ApiError.Invalid($"Field '{name}' must be an integer, not {Describe(element)}.", name, "invalid_type");
            return false;
        }

        if (number < min || number > max)
        {
            error = ApiError.Invalid($"Field '{name}' is {number}, but it must be between {min} and {max}.", name);
            return false;
        }

        value = number;
        return true;
    }

    /// <summary>Names a JSON value's kind for error messages, never echoing the value itself.</summary>
    public static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
