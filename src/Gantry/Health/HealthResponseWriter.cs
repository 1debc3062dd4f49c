using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gantry.Health;

/// <summary>
/// Writes a health report as <c>{"status":"Unhealthy","checks":{"model":{"status":..,"description":..}}}</c>,
/// so the body of a 503 names the check that failed and why.
/// </summary>
public static class HealthResponseWriter
{
    /// <summary>Writes <paramref name="report"/> as JSON; the status code is already set by the middleware.</summary>
    public static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        using var buffer = new MemoryStream();
        await using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("status", report.Status.ToString());
            writer.WriteNumber("durationMs", Math.Round(report.TotalDuration.TotalMilliseconds, 3));
            writer.WriteStartObject("checks");
            foreach (var (name, entry) in report.Entries)
            {
                writer.WriteStartObject(name);
                writer.WriteString("status", entry.Status.ToString());
                writer.WriteString("description", entry.Description ?? entry.Exception?.Message);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        context.Response.ContentLength = buffer.Length;
        await context.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
    }
}
