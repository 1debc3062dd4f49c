using System.Runtime.InteropServices;

namespace Gantry.Metrics.Gpu;

/// <summary>
/// The NVML calls that GPU metrics use, one method per C function of <c>libnvidia-ml.so.1</c>, so the reading
/// logic can be tested with a fake.
/// </summary>
public interface INvml
{
    /// <summary><c>nvmlInit_v2</c>.</summary>
    NvmlReturn Init();

    /// <summary><c>nvmlDeviceGetCount_v2</c>.</summary>
    NvmlReturn GetDeviceCount(out uint count);

    /// <summary><c>nvmlDeviceGetHandleByIndex_v2</c>.</summary>
    NvmlReturn GetHandleByIndex(uint index, out IntPtr device);

    /// <summary><c>nvmlDeviceGetUtilizationRates</c>.</summary>
    NvmlReturn GetUtilizationRates(IntPtr device, out NvmlUtilization utilization);

    /// <summary><c>nvmlDeviceGetMemoryInfo</c>.</summary>
    NvmlReturn GetMemoryInfo(IntPtr device, out NvmlMemory memory);
}

/// <summary>The NVML result codes that Gantry distinguishes; any other value is a failure too.</summary>
public enum NvmlReturn
{
    /// <summary><c>NVML_SUCCESS</c>.</summary>
    Success = 0,

    /// <summary><c>NVML_ERROR_UNINITIALIZED</c>.</summary>
    Uninitialized = 1,

    /// <summary><c>NVML_ERROR_NOT_SUPPORTED</c>: the device cannot report this value.</summary>
    NotSupported = 3,

    /// <summary><c>NVML_ERROR_NO_PERMISSION</c>.</summary>
    NoPermission = 4,

    /// <summary><c>NVML_ERROR_DRIVER_NOT_LOADED</c>.</summary>
    DriverNotLoaded = 9,

    /// <summary><c>NVML_ERROR_GPU_IS_LOST</c>.</summary>
    GpuIsLost = 15,

    /// <summary><c>NVML_ERROR_UNKNOWN</c>.</summary>
    Unknown = 999,
}

/// <summary><c>nvmlUtilization_t</c>: percentages over the driver's last sample period.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct NvmlUtilization
{
    /// <summary>Percent of time a kernel ran on the GPU, 0 to 100.</summary>
    public uint Gpu;

    /// <summary>Percent of time device memory was read or written, 0 to 100.</summary>
    public uint Memory;
}

/// <summary><c>nvmlMemory_t</c>: device memory in bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct NvmlMemory
{
    /// <summary>Installed memory.</summary>
    public ulong Total;

    /// <summary>Unallocated memory.</summary>
    public ulong Free;

    /// <summary>Allocated memory.</summary>
    public ulong Used;
}
