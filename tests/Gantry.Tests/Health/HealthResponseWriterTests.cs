using System.Text.Json;
using Gantry.Health;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gantry.Tests.Health;

public sealed class HealthResponseWriterTests
{
    [Fact]
    public async Task Write_UnhealthyReport_NamesFailingCheck()
    {
        var report = new HealthReport(new Dictionary<string, HealthReportEntry>
        {
            ["model"] = new(HealthStatus.Unhealthy, "model tiny is loading", TimeSpan.Zero, null, null),
            ["store"] = new(HealthStatus.Unhealthy, null, TimeSpan.Zero, new TimeoutException("store timed out"), null),
            ["drain"] = new(HealthStatus.Healthy, "accepting requests", TimeSpan.Zero, null, null),
        }, TimeSpan.FromMilliseconds(2));

        var json = await WriteAsync(report);

        Assert.Equal("Unhealthy", json.GetProperty("status").GetString());
        var checks = json.GetProperty("checks");
        Assert.Equal("Unhealthy", checks.GetProperty("model").GetProperty("status").GetString());
        Assert.Equal("model tiny is loading", checks.GetProperty("model").GetProperty("description").GetString());
        Assert.Equal("store timed out", checks.GetProperty("store").GetProperty("description").GetString());
        Assert.Equal("Healthy", checks.GetProperty("drain").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Write_NoChecks_HealthyWithEmptyChecks()
    {
        var report = new HealthReport(new Dictionary<string, HealthReportEntry>(), TimeSpan.Zero);

        var json = await WriteAsync(report);

        Assert.Equal("Healthy", json.GetProperty("status").GetString());
        Assert.Empty(json.GetProperty("checks").EnumerateObject());
    }

    private static async Task<JsonElement> WriteAsync(HealthReport report)
    {
        var context = new DefaultHttpContext();
        using var body = new MemoryStream();
        context.Response.Body = body;

        await HealthResponseWriter.WriteAsync(context, report);

        Assert.Equal("application/json", context.Response.ContentType);
        Assert.Equal(body.Length, context.Response.ContentLength);
        return JsonDocument.Parse(body.ToArray()).RootElement.Clone();
    }
}
