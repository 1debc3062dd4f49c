using System.Text;
using Prometheus;

namespace Gantry.Tests.Infrastructure;

/// <summary>Exports a registry in the Prometheus text format.</summary>
internal static class MetricsText
{
    public static async Task<string> ExportAsync(CollectorRegistry registry)
    {
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Sample lines (no comments) whose metric name starts with <paramref name="prefix"/>.</summary>
    public static IReadOnlyList<string> Samples(string text, string prefix) =>
        text.Split('\n').Where(line => line.StartsWith(prefix, StringComparison.Ordinal)).ToArray();
}
