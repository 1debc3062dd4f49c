using System.Globalization;
using Prometheus;

namespace Gantry.Metrics.Gpu;

/// <summary>
/// Publishes <c>gantry_gpu_*</c> gauges per device, read at scrape time. When NVML is unavailable the series
/// do not exist at all, rather than reading 0.
/// </summary>
public sealed partial class GpuMetrics
{
    private readonly GpuReader _reader;
    private readonly Gauge _utilization = null!;
    private readonly Gauge _memoryUsed = null!;
    private readonly Gauge _memoryTotal = null!;

    /// <summary>Creates the gauges in <paramref name="registry"/> when <paramref name="reader"/> has GPUs, and logs either way.</summary>
    public GpuMetrics(GpuReader reader, CollectorRegistry registry, ILogger<GpuMetrics> logger)
    {
        _reader = reader;
        if (!reader.IsAvailable)
        {
            // Not even the HELP and TYPE lines are written, so dashboards see absent series, not zeros.
            Log.Unavailable(logger, reader.UnavailableReason!);
            return;
        }

        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        var configuration = new GaugeConfiguration { LabelNames = ["device"], SuppressInitialValue = true };
        _utilization = factory.CreateGauge("gantry_gpu_utilization_ratio",
            "Share of the last sample period in which a kernel ran on the GPU, 0 to 1 (NVML).", configuration);
        _memoryUsed = factory.CreateGauge("gantry_gpu_memory_used_bytes",
            "Allocated GPU memory in bytes (NVML).", configuration);
        _memoryTotal = factory.CreateGauge("gantry_gpu_memory_total_bytes",
            "Installed GPU memory in bytes (NVML).", configuration);
        Log.Available(logger, reader.DeviceCount);
        registry.AddBeforeCollectCallback(Update);
    }

    private void Update()
    {
        var samples = _reader.Read().ToDictionary(sample => sample.Device);
        for (var index = 0; index < _reader.DeviceCount; index++)
        {
            var device = index.ToString(CultureInfo.InvariantCulture);
            samples.TryGetValue(index, out var sample);
            Set(_utilization, device, sample?.UtilizationRatio);
            Set(_memoryUsed, device, sample?.MemoryUsedBytes);
            Set(_memoryTotal, device, sample?.MemoryTotalBytes);
        }
    }

    private static void Set(Gauge gauge, string device, double? value)
    {
        if (value is { } known)
        {
            gauge.WithLabels(device).Set(known);
        }
        else
        {
            // A value that could not be read this time is dropped rather than left stale.
            gauge.RemoveLabelled(device);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(4301, LogLevel.Information, "GPU metrics are off: {Reason}", EventName = "GpuMetricsUnavailable")]
        public static partial void Unavailable(ILogger logger, string reason);

        [LoggerMessage(4302, LogLevel.Information, "GPU metrics are on for {DeviceCount} devices (NVML)",
            EventName = "GpuMetricsAvailable")]
        public static partial void Available(ILogger logger, int deviceCount);
    }
}
