using Gantry.Metrics.Gpu;

namespace Gantry.Tests.Metrics.Gpu;

public sealed class GpuReaderTests
{
    [Fact]
    public void Reader_NoLibrary_UnavailableWithReason()
    {
        var reader = new GpuReader(null, "libnvidia-ml.so.1 could not be loaded");

        Assert.False(reader.IsAvailable);
        Assert.Equal("libnvidia-ml.so.1 could not be loaded", reader.UnavailableReason);
        Assert.Empty(reader.Read());
    }

    [Fact]
    public void Reader_InitFails_UnavailableNamingCode()
    {
        var nvml = new FakeNvml { InitResult = NvmlReturn.DriverNotLoaded };

        var reader = new GpuReader(nvml);

        Assert.False(reader.IsAvailable);
        Assert.Contains("nvmlInit_v2", reader.UnavailableReason);
        Assert.Contains("DriverNotLoaded (9)", reader.UnavailableReason);
        Assert.Empty(reader.Read());
    }

    [Fact]
    public void Reader_UnknownErrorCode_DescribedByNumber()
    {
        var nvml = new FakeNvml { CountResult = (NvmlReturn)42 };

        var reader = new GpuReader(nvml);

        Assert.False(reader.IsAvailable);
        Assert.Contains("NVML error 42", reader.UnavailableReason);
    }

    [Fact]
    public void Reader_NoDevices_Unavailable()
    {
        var reader = new GpuReader(new FakeNvml());

        Assert.False(reader.IsAvailable);
        Assert.Equal("NVML reports no GPU", reader.UnavailableReason);
    }

    [Fact]
    public void Read_TwoDevices_ReturnsRatioAndBytes()
    {
        var nvml = new FakeNvml();
        nvml.Devices.Add(new FakeNvml.FakeDevice(75, 1_000, 8_000));
        nvml.Devices.Add(new FakeNvml.FakeDevice(0, 0, 16_000));
        var reader = new GpuReader(nvml);

        var samples = reader.Read();

        Assert.True(reader.IsAvailable);
        Assert.Equal(2, reader.DeviceCount);
        Assert.Equal(new GpuSample(0, 0.75, 1_000UL, 8_000UL), samples[0]);
        Assert.Equal(new GpuSample(1, 0.0, 0UL, 16_000UL), samples[1]);
    }

    [Fact]
    public void Read_UtilizationNotSupported_NullUtilizationKeepsMemory()
    {
        var nvml = new FakeNvml();
        nvml.Devices.Add(new FakeNvml.FakeDevice(50, 10, 20) { UtilizationResult = NvmlReturn.NotSupported });
        var reader = new GpuReader(nvml);

        var sample = Assert.Single(reader.Read());

        Assert.Null(sample.UtilizationRatio);
        Assert.Equal(10UL, sample.MemoryUsedBytes);
        Assert.Equal(20UL, sample.MemoryTotalBytes);
    }

    [Fact]
    public void Read_MemoryFails_NullMemory()
    {
        var nvml = new FakeNvml();
        nvml.Devices.Add(new FakeNvml.FakeDevice(50, 10, 20) { MemoryResult = NvmlReturn.GpuIsLost });
        var reader = new GpuReader(nvml);

        var sample = Assert.Single(reader.Read());

        Assert.Equal(0.5, sample.UtilizationRatio);
        Assert.Null(sample.MemoryUsedBytes);
        Assert.Null(sample.MemoryTotalBytes);
    }

    [Fact]
    public void Read_HandleFails_DeviceLeftOut()
    {
        var nvml = new FakeNvml();
        nvml.Devices.Add(new FakeNvml.FakeDevice(10, 1, 2) { HandleResult = NvmlReturn.GpuIsLost });
        nvml.Devices.Add(new FakeNvml.FakeDevice(20, 3, 4));
        var reader = new GpuReader(nvml);

        var sample = Assert.Single(reader.Read());

        Assert.Equal(1, sample.Device);
    }

    [Fact]
    public void Read_UtilizationAbove100_ClampedToOne()
    {
        var nvml = new FakeNvml();
        nvml.Devices.Add(new FakeNvml.FakeDevice(250, 1, 2));
        var reader = new GpuReader(nvml);

        var sample = Assert.Single(reader.Read());

        Assert.Equal(1.0, sample.UtilizationRatio);
    }

    [Fact]
    public void Reader_InitializesOnce()
    {
        var nvml = new FakeNvml();
        nvml.Devices.Add(new FakeNvml.FakeDevice(1, 1, 2));
        var reader = new GpuReader(nvml);

        reader.Read();
        reader.Read();

        Assert.Equal(1, nvml.InitCalls);
    }
}
