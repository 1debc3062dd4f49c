using System.Globalization;

namespace Gantry.IntegrationTests.Infrastructure;

/// <summary>Reads sample values from a server's <c>/metrics</c> text.</summary>
public static class PrometheusText
{
    /// <summary>Fetches <c>/metrics</c>.</summary>
    public static async Task<string> ScrapeAsync(HttpClient client) => await client.GetStringAsync("/metrics");

    /// <summary>
    /// The value of the first sample whose name is <paramref name="name"/> and whose labels contain every
    /// <paramref name="labels"/> pair, or null when there is none.
    /// </summary>
    public static double? GetValue(string text, string name, params (string Name, string Value)[] labels)
    {
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('#') || !line.StartsWith(name, StringComparison.Ordinal))
            {
                continue;
            }

            var rest = line[name.Length..];
            if (rest.Length == 0 || (rest[0] != ' ' && rest[0] != '{'))
            {
                continue;
            }

            var labelText = rest[0] == '{' ? rest[1..rest.IndexOf('}')] : "";
            if (!labels.All(label => labelText.Contains($"{label.Name}=\"{label.Value}\"", StringComparison.Ordinal)))
            {
                continue;
            }

            var value = rest[(rest.LastIndexOf('}') + 1)..].Trim().Split(' ')[0];
            return double.Parse(value, CultureInfo.InvariantCulture);
        }

        return null;
    }

    /// <summary>Polls <c>/metrics</c> until <paramref name="condition"/> holds for a sample, or fails after the timeout.</summary>
    public static async Task<string> WaitForAsync(HttpClient client, Func<string, bool> condition, TimeSpan timeout,
        string description)
    {
        var deadline = DateTime.UtcNow + timeout;
        string text;
        while (!condition(text = await ScrapeAsync(client)))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {description}. Last scrape:\n{text}");
            }

            await Task.Delay(20);
        }

        return text;
    }
}
