using System.Text.Json;

namespace Gantry.Security;

/// <summary>
/// Parses the API key file:
/// <c>{"keys": [{"name": "web", "sha256": "&lt;hex&gt;", "tenant": "acme", "scopes": ["inference", "feedback"]}]}</c>.
/// </summary>
public static class ApiKeyFile
{
    /// <summary>Largest key file read, so a wrong path (a log file, a device) fails fast instead of filling memory.</summary>
    public const int MaxBytes = 1024 * 1024;

    /// <summary>Parses the file contents, or returns null with every problem listed.</summary>
    public static IReadOnlyList<ApiKey>? Parse(ReadOnlySpan<byte> utf8, out IReadOnlyList<string> errors)
    {
        var problems = new List<string>();
        errors = problems;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException exception)
        {
            problems.Add($"not valid JSON: {exception.Message}");
            return null;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("keys", out var keys)
                || keys.ValueKind != JsonValueKind.Array)
            {
                problems.Add("the file must be an object with a 'keys' array.");
                return null;
            }

            var result = new List<ApiKey>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            var hashes = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var index = 0;
            foreach (var item in keys.EnumerateArray())
            {
                var key = ParseKey(item, $"keys[{index}]", problems);
                if (key is not null && !names.Add(key.Name))
                {
                    problems.Add($"keys[{index}]: the name '{key.Name}' is used twice; names must be unique.");
                }
                else if (key is not null && !hashes.Add(Convert.ToHexString(key.Sha256)))
                {
                    problems.Add($"keys[{index}] ('{key.Name}'): the same sha256 is configured twice.");
                }
                else if (key is not null)
                {
                    result.Add(key);
                }

                index++;
            }

            return problems.Count == 0 ? result : null;
        }
    }

    private static ApiKey? ParseKey(JsonElement item, string path, List<string> problems)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"{path}: must be an object.");
            return null;
        }

        var name = GetString(item, "name", path, problems);
        var tenant = GetString(item, "tenant", path, problems);
        var hex = GetString(item, "sha256", path, problems);
        byte[]? hash = null;
        if (hex is not null)
        {
            hash = hex.Length == 64 && hex.All(Uri.IsHexDigit) ? Convert.FromHexString(hex) : null;
            if (hash is null)
            {
                problems.Add($"{path}.sha256: must be 64 hex digits, the SHA-256 of the key (sha256sum of the key without a newline).");
            }
        }

        var scopes = new HashSet<string>(StringComparer.Ordinal);
        if (!item.TryGetProperty("scopes", out var scopeArray) || scopeArray.ValueKind != JsonValueKind.Array)
        {
            problems.Add($"{path}.scopes: required, an array of {string.Join(", ", ApiScopes.All)}.");
        }
        else
        {
            foreach (var scope in scopeArray.EnumerateArray())
            {
                var value = scope.ValueKind == JsonValueKind.String ? scope.GetString() : null;
                if (value is null || !ApiScopes.All.Contains(value))
                {
                    problems.Add($"{path}.scopes: '{scope}' is not a scope; use {string.Join(", ", ApiScopes.All)}.");
                    continue;
                }

                scopes.Add(value);
            }
        }

        return name is null || tenant is null || hash is null ? null : new ApiKey(name, tenant, scopes, hash);
    }

    private static string? GetString(JsonElement item, string property, string path, List<string> problems)
    {
        if (item.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            && !string.IsNullOrWhiteSpace(value.GetString()))
        {
            return value.GetString();
        }

        problems.Add($"{path}.{property}: required, a non-empty string.");
        return null;
    }
}
