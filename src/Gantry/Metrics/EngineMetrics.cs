using Gantry.Hosting;
using Prometheus;

namespace Gantry.Metrics;

/// <summary>
/// Publishes the decode loop's counters and gauges at scrape time. The <c>model</c> label is the configured
/// model id, never a value from a request.
/// </summary>
public sealed class EngineMetrics
{
    private readonly ModelHost _models;
    private readonly Counter.Child _decodeSteps;
    private readonly Counter.Child _decodeSequences;
    private readonly Gauge.Child _running;
    private readonly Gauge.Child _waiting;
    private readonly Gauge.Child _kvCacheUsage;

    /// <summary>Creates the series in <paramref name="registry"/> and updates them before each scrape.</summary>
    public EngineMetrics(ModelHost models, CollectorRegistry registry)
    {
        _models = models;
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        string[] labels = ["model"];
        _decodeSteps = factory.CreateCounter("gantry_decode_steps_total",
            "llama.cpp decode calls made by the decode loop.", labels).WithLabels(models.ModelName);
        _decodeSequences = factory.CreateCounter("gantry_decode_sequences_total",
            "Sum over decode steps of the sequences that got a token from the step; above gantry_decode_steps_total "
            + "when steps decoded several sequences together.", labels).WithLabels(models.ModelName);
        _running = factory.CreateGauge("gantry_requests_running",
            "Requests holding a sequence slot.", labels).WithLabels(models.ModelName);
        _waiting = factory.CreateGauge("gantry_requests_waiting",
            "Accepted requests waiting for a sequence slot.", labels).WithLabels(models.ModelName);
        _kvCacheUsage = factory.CreateGauge("gantry_kv_cache_usage_ratio",
            "Share of the KV cache occupied by running sequences, 0 to 1.", labels).WithLabels(models.ModelName);
        registry.AddBeforeCollectCallback(Update);
    }

    private void Update()
    {
        var engine = _models.Engine;
        if (engine is null)
        {
            return;
        }

        _decodeSteps.IncTo(engine.Counters.DecodeSteps);
        _decodeSequences.IncTo(engine.Counters.DecodedSequences);
        _running.Set(engine.RunningCount);
        _waiting.Set(engine.WaitingCount);
        _kvCacheUsage.Set(engine.KvCacheUsage);
    }
}
