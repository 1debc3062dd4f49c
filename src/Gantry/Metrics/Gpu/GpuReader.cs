namespace Gantry.Metrics.Gpu;

/// <summary>
/// Reads utilization and memory of every GPU through <see cref="INvml"/>. Initializes NVML once; when that
/// fails, <see cref="IsAvailable"/> is false and <see cref="Read"/> returns nothing. Thread-safe: NVML's calls are
/// thread-safe and the reader keeps no state between reads.
/// </summary>
public sealed class GpuReader
{
    private readonly INvml? _nvml;
    private readonly uint _deviceCount;

    /// <summary>Initializes NVML through <paramref name="nvml"/>; null means the library could not be loaded.</summary>
    /// <param name="nvml">The NVML binding, or null.</param>
    /// <param name="unavailableReason">Why there is no binding, when <paramref name="nvml"/> is null.</param>
    public GpuReader(INvml? nvml, string? unavailableReason = null)
    {
        if (nvml is null)
        {
            UnavailableReason = unavailableReason ?? "NVML is not available";
            return;
        }

        var init = nvml.Init();
        if (init != NvmlReturn.Success)
        {
            UnavailableReason = $"nvmlInit_v2 failed with {Describe(init)}";
            return;
        }

        var count = nvml.GetDeviceCount(out _deviceCount);
        if (count != NvmlReturn.Success)
        {
            UnavailableReason = $"nvmlDeviceGetCount_v2 failed with {Describe(count)}";
            return;
        }

        if (_deviceCount == 0)
        {
            UnavailableReason = "NVML reports no GPU";
            return;
        }

        _nvml = nvml;
    }

    /// <summary>Whether NVML works and reports at least one GPU.</summary>
    public bool IsAvailable => _nvml is not null;

    /// <summary>Why there are no GPU metrics; null when <see cref="IsAvailable"/>.</summary>
    public string? UnavailableReason { get; }

    /// <summary>GPUs found at initialization.</summary>
    public int DeviceCount => IsAvailable ? (int)_deviceCount : 0;

    /// <summary>Reads every device; a device whose handle lookup fails is left out.</summary>
    public IReadOnlyList<GpuSample> Read()
    {
        if (_nvml is null)
        {
            return [];
        }

        var samples = new List<GpuSample>((int)_deviceCount);
        for (uint index = 0; index < _deviceCount; index++)
        {
            if (_nvml.GetHandleByIndex(index, out var device) != NvmlReturn.Success)
            {
                continue;
            }

            double? utilization = _nvml.GetUtilizationRates(device, out var rates) == NvmlReturn.Success
                ? Math.Clamp(rates.Gpu, 0u, 100u) / 100.0
                : null;
            var memoryRead = _nvml.GetMemoryInfo(device, out var memory) == NvmlReturn.Success;
            samples.Add(new GpuSample((int)index, utilization, memoryRead ? memory.Used : null,
                memoryRead ? memory.Total : null));
        }

        return samples;
    }

    private static string Describe(NvmlReturn code) =>
        Enum.IsDefined(code) ? $"{code} ({(int)code})" : $"NVML error {(int)code}";
}
