namespace Gantry.Metrics.Gpu;

/// <summary>One reading of one GPU; a value is null when the device could not report it.</summary>
/// <param name="Device">NVML device index, 0-based.</param>
/// <param name="UtilizationRatio">Share of time a kernel ran, 0 to 1.</param>
/// <param name="MemoryUsedBytes">Allocated device memory.</param>
/// <param name="MemoryTotalBytes">Installed device memory.</param>
public sealed record GpuSample(int Device, double? UtilizationRatio, ulong? MemoryUsedBytes, ulong? MemoryTotalBytes);
