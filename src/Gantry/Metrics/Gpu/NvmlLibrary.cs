using System.Runtime.InteropServices;

namespace Gantry.Metrics.Gpu;

/// <summary>
/// <see cref="INvml"/> bound to <c>libnvidia-ml.so.1</c> at run time, so a machine without the NVIDIA driver
/// runs the server without GPU metrics instead of failing.
/// </summary>
public sealed class NvmlLibrary : INvml
{
    /// <summary>The library's file name; the driver installs it, the CUDA toolkit does not.</summary>
    public const string LibraryName = "libnvidia-ml.so.1";

    private readonly InitFunction _init;
    private readonly GetCountFunction _getCount;
    private readonly GetHandleFunction _getHandle;
    private readonly GetUtilizationFunction _getUtilization;
    private readonly GetMemoryFunction _getMemory;

    private NvmlLibrary(IntPtr library)
    {
        _init = Bind<InitFunction>(library, "nvmlInit_v2");
        _getCount = Bind<GetCountFunction>(library, "nvmlDeviceGetCount_v2");
        _getHandle = Bind<GetHandleFunction>(library, "nvmlDeviceGetHandleByIndex_v2");
        _getUtilization = Bind<GetUtilizationFunction>(library, "nvmlDeviceGetUtilizationRates");
        _getMemory = Bind<GetMemoryFunction>(library, "nvmlDeviceGetMemoryInfo");
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int InitFunction();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int GetCountFunction(out uint count);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int GetHandleFunction(uint index, out IntPtr device);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int GetUtilizationFunction(IntPtr device, out NvmlUtilization utilization);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int GetMemoryFunction(IntPtr device, out NvmlMemory memory);

    /// <summary>Loads the library and binds its functions, or returns null with the reason.</summary>
    public static NvmlLibrary? TryLoad(out string? reason)
    {
        if (!NativeLibrary.TryLoad(LibraryName, out var library))
        {
            reason = $"{LibraryName} could not be loaded (no NVIDIA driver on this machine)";
            return null;
        }

        try
        {
            reason = null;
            return new NvmlLibrary(library);
        }
        catch (EntryPointNotFoundException exception)
        {
            // The handle stays loaded: freeing a library that may have started threads is not safe.
            reason = $"{LibraryName} is too old: {exception.Message}";
            return null;
        }
    }

    /// <inheritdoc />
    public NvmlReturn Init() => (NvmlReturn)_init();

    /// <inheritdoc />
    public NvmlReturn GetDeviceCount(out uint count) => (NvmlReturn)_getCount(out count);

    /// <inheritdoc />
    public NvmlReturn GetHandleByIndex(uint index, out IntPtr device) => (NvmlReturn)_getHandle(index, out device);

    /// <inheritdoc />
    public NvmlReturn GetUtilizationRates(IntPtr device, out NvmlUtilization utilization) =>
        (NvmlReturn)_getUtilization(device, out utilization);

    /// <inheritdoc />
    public NvmlReturn GetMemoryInfo(IntPtr device, out NvmlMemory memory) =>
        (NvmlReturn)_getMemory(device, out memory);

    private static T Bind<T>(IntPtr library, string name)
        where T : Delegate
    {
        if (!NativeLibrary.TryGetExport(library, name, out var address))
        {
            throw new EntryPointNotFoundException($"{name} is missing");
        }

        return Marshal.GetDelegateForFunctionPointer<T>(address);
    }
}
