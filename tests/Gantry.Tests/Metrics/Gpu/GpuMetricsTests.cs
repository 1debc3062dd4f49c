using Gantry.Metrics.Gpu;
using Gantry.Tests.Infrastructure;
using Prometheus;

namespace Gantry.Tests.Metrics.Gpu;

public sealed class GpuMetricsTests
{
    [Fact]
    public async Task Metrics_NvmlAbsent_NoGpuSeriesAndOneLogLine()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var logger = new ListLogger<GpuMetrics>();

        _ = new GpuMetrics(new GpuReader(null, "no driver"), registry, logger);
        var text = await MetricsText.ExportAsync(registry);

        Assert.DoesNotContain("gantry_gpu_", text);
        var record = Assert.Single(logger.Records);
        Assert.Equal(4301, record.EventId.Id);
        Assert.Contains("no driver", record.Message);
    }

    [Fact]
    public async Task Metrics_TwoDevices_SeriesPerDevice()
    {
        var nvml = new FakeNvml();
        nvml.Devices.Add(new FakeNvml.FakeDevice(40, 2_000, 10_000));
        nvml.Devices.Add(new FakeNvml.FakeDevice(90, 7_000, 10_000));
        var registry = Prometheus.Metrics.NewCustomRegistry();

        _ = new GpuMetrics(new GpuReader(nvml), registry, new ListLogger<GpuMetrics>());
        var text = await MetricsText.ExportAsync(registry);

        Assert.Contains("gantry_gpu_utilization_ratio{device=\"0\"} 0.4", text);
        Assert.Contains("gantry_gpu_utilization_ratio{device=\"1\"} 0.9", text);
        Assert.Contains("gantry_gpu_memory_used_bytes{device=\"1\"} 7000", text);
        Assert.Contains("gantry_gpu_memory_total_bytes{device=\"0\"} 10000", text);
    }

    [Fact]
    public async Task Metrics_ValueStopsReading_SeriesRemoved()
    {
        var nvml = new FakeNvml();
        nvml.Devices.Add(new FakeNvml.FakeDevice(40, 2_000, 10_000));
        var registry = Prometheus.Metrics.NewCustomRegistry();
        _ = new GpuMetrics(new GpuReader(nvml), registry, new ListLogger<GpuMetrics>());
        var before = await MetricsText.ExportAsync(registry);

        nvml.Devices[0] = nvml.Devices[0] with { UtilizationResult = NvmlReturn.GpuIsLost };
        var after = await MetricsText.ExportAsync(registry);

        Assert.Single(MetricsText.Samples(before, "gantry_gpu_utilization_ratio{"));
        Assert.Empty(MetricsText.Samples(after, "gantry_gpu_utilization_ratio{"));
        Assert.Single(MetricsText.Samples(after, "gantry_gpu_memory_used_bytes{"));
    }
}
