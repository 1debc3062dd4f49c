using System.Text.Json;

namespace Gantry.Tests.Hosting;

/// <summary>Tests of the runtime settings that the build writes into gantry.runtimeconfig.json.</summary>
public sealed class RuntimeConfigTests
{
    [Fact]
    public void ThreadPoolSpinLimit_IsZero()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "gantry.runtimeconfig.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var properties = document.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.True(properties.TryGetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit", out var limit),
            $"{path} does not set the thread pool's spin limit.");
        Assert.Equal(0, limit.GetInt32());
    }
}
