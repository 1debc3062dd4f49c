using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.Logging.Console;

namespace Gantry.Logging;

/// <summary>Configures console logging for <c>gantry serve</c>: JSON lines by default, text for local use.</summary>
public static class LoggingSetup
{
    /// <summary>
    /// Default levels, placed below every other configuration source so <c>Logging:LogLevel:*</c> in
    /// appsettings.json or <c>Logging__LogLevel__*</c> variables override them. ASP.NET Core's per-request
    /// Information lines are off: the inference routes log their own line, and an idle server stays quiet.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string?> DefaultLevels = new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",

        // The health check service logs every Unhealthy probe at Error, so it would flood the log while a model
        // loads or the server drains. The probe bodies and Gantry's own lines already give the reason.
        ["Logging:LogLevel:Microsoft.Extensions.Diagnostics.HealthChecks"] = "Critical",
    };

    /// <summary>Adds the default levels and the console logger in <paramref name="format"/> (json or text).</summary>
    public static void Configure(WebApplicationBuilder builder, string format)
    {
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = DefaultLevels });
        builder.Logging.ClearProviders();
        builder.Logging.Configure(options => options.ActivityTrackingOptions =
            ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        if (format == "text")
        {
            builder.Logging.AddSimpleConsole(options =>
            {
                options.SingleLine = true;
                options.UseUtcTimestamp = true;
                options.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z' ";
            });
            return;
        }

        builder.Logging.AddConsole(options => options.FormatterName = JsonLogFormatter.FormatterName)
            .AddConsoleFormatter<JsonLogFormatter, ConsoleFormatterOptions>();
    }
}
