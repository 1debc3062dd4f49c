using Gantry.Api.Inference;
using Gantry.Health;
using Gantry.Logging;
using Gantry.Metrics;
using Gantry.Metrics.Gpu;
using Gantry.Options;
using Prometheus;

namespace Gantry.Hosting;

/// <summary>
/// Wires what running in production needs: logging, drain on shutdown, health probes and request and GPU
/// metrics. Kept apart from <see cref="ServeCommand"/> so the composition root stays short.
/// </summary>
public static class OperationsSetup
{
    /// <summary>Time added to the drain timeout for the rest of the shutdown: stopping Kestrel, flushing stores.</summary>
    public static readonly TimeSpan ShutdownMargin = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Configures logging and the shutdown timeout and registers the drain, health and metrics services. Call it
    /// before anything touches <see cref="Prometheus.Metrics.DefaultRegistry"/>.
    /// </summary>
    public static void ConfigureServices(WebApplicationBuilder builder, GantryOptions options)
    {
        // prometheus-net's default registry exports process_* and dotnet_* from its own collector. Its .NET
        // event counter and Meter adapters would repeat the same runtime figures under other names, and its
        // debug series describe prometheus-net itself, so they are off.
        Prometheus.Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions
        {
            SuppressProcessMetrics = false,
            SuppressEventCounters = true,
            SuppressMeters = true,
            SuppressDebugMetrics = true,
        });
        LoggingSetup.Configure(builder, options.LogFormat);
        builder.Services.Configure<HostOptions>(host =>
            host.ShutdownTimeout = TimeSpan.FromSeconds(options.DrainTimeout) + DrainService.AbortGrace + ShutdownMargin);

        var services = builder.Services;
        services.Configure<ContentLoggingOptions>(builder.Configuration.GetSection(ContentLoggingOptions.Section));
        services.AddSingleton<DrainCoordinator>();
        services.AddHostedService<DrainService>();
        services.AddGantryHealthChecks();
        services.AddSingleton(provider => new RequestMetrics(
            provider.GetRequiredService<ModelHost>().ModelName, provider.GetRequiredService<CollectorRegistry>()));
        services.AddSingleton<ServerMetrics>();
        services.AddSingleton(_ => new GpuReader(NvmlLibrary.TryLoad(out var reason), reason));
        services.AddSingleton<GpuMetrics>();
        services.AddSingleton<ICompletionSink, ContentLogSink>();
    }

    /// <summary>Adds the trace and inference telemetry middleware; call it before the other middleware.</summary>
    public static void UseOperations(WebApplication app)
    {
        // Metric series exist from the first scrape, before any request.
        app.Services.GetRequiredService<RequestMetrics>();
        app.Services.GetRequiredService<ServerMetrics>();
        app.Services.GetRequiredService<GpuMetrics>();
        app.UseMiddleware<TraceParentMiddleware>();
        app.UseMiddleware<InferenceTelemetryMiddleware>();
        app.MapGantryHealthChecks();
    }
}
