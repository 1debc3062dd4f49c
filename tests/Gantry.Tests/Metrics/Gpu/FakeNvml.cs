using Gantry.Metrics.Gpu;

namespace Gantry.Tests.Metrics.Gpu;

/// <summary>An NVML with configurable devices and result codes.</summary>
internal sealed class FakeNvml : INvml
{
    public NvmlReturn InitResult { get; set; } = NvmlReturn.Success;

    public NvmlReturn CountResult { get; set; } = NvmlReturn.Success;

    public List<FakeDevice> Devices { get; } = [];

    public int InitCalls { get; private set; }

    public NvmlReturn Init()
    {
        InitCalls++;
        return InitResult;
    }

    public NvmlReturn GetDeviceCount(out uint count)
    {
        count = (uint)Devices.Count;
        return CountResult;
    }

    public NvmlReturn GetHandleByIndex(uint index, out IntPtr device)
    {
        device = (IntPtr)(index + 1);
        return Devices[(int)index].HandleResult;
    }

    public NvmlReturn GetUtilizationRates(IntPtr device, out NvmlUtilization utilization)
    {
        var fake = Devices[(int)device - 1];
        utilization = new NvmlUtilization { Gpu = fake.GpuPercent, Memory = 0 };
        return fake.UtilizationResult;
    }

    public NvmlReturn GetMemoryInfo(IntPtr device, out NvmlMemory memory)
    {
        var fake = Devices[(int)device - 1];
        memory = new NvmlMemory { Total = fake.TotalBytes, Used = fake.UsedBytes, Free = fake.TotalBytes - fake.UsedBytes };
        return fake.MemoryResult;
    }

    internal sealed record FakeDevice(uint GpuPercent, ulong UsedBytes, ulong TotalBytes)
    {
        public NvmlReturn HandleResult { get; init; } = NvmlReturn.Success;

        public NvmlReturn UtilizationResult { get; init; } = NvmlReturn.Success;

        public NvmlReturn MemoryResult { get; init; } = NvmlReturn.Success;
    }
}
