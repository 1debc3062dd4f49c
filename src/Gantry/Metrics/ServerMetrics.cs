using System.Reflection;
using Gantry.Hosting;
using Prometheus;

namespace Gantry.Metrics;

/// <summary>
/// Gauges of the server's state, updated before each scrape: model loaded and ready, load duration and
/// build information.
/// </summary>
public sealed class ServerMetrics
{
    private readonly ModelHost _models;
    private readonly DrainCoordinator _drain;
    private readonly Gauge.Child _loaded;
    private readonly Gauge.Child _ready;
    private readonly Gauge.Child _loadDuration;

    /// <summary>Creates the series in <paramref name="registry"/>.</summary>
    public ServerMetrics(ModelHost models, DrainCoordinator drain, CollectorRegistry registry)
    {
        _models = models;
        _drain = drain;
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        string[] labels = ["model"];
        _loaded = factory.CreateGauge("gantry_model_loaded",
            "1 when the model's weights are in memory, 0 otherwise.", labels).WithLabels(models.ModelName);
        _ready = factory.CreateGauge("gantry_model_ready",
            "1 when the model is warm and the server takes requests (not loading, failed or draining).", labels)
            .WithLabels(models.ModelName);
        _loadDuration = factory.CreateGauge("gantry_model_load_duration_seconds",
            "Seconds the last successful model load and warm-up took; 0 before.", labels).WithLabels(models.ModelName);
        factory.CreateGauge("gantry_build_info", "Always 1; the version label names the running build.", "version")
            .WithLabels(GetVersion()).Set(1);
        registry.AddBeforeCollectCallback(Update);
    }

    /// <summary>The informational version of the server assembly, without source revision metadata.</summary>
    public static string GetVersion()
    {
        var version = typeof(ServerMetrics).Assembly
            .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? version : version[..plus];
    }

    private void Update()
    {
        _loaded.Set(_models.IsLoaded ? 1 : 0);
        _ready.Set(_models.State == ModelState.Ready && !_drain.IsDraining ? 1 : 0);
        _loadDuration.Set(_models.LoadSeconds);
    }
}
