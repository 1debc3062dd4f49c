using Gantry.Options;

namespace Gantry.Tests.Hosting;

public sealed class OperationsOptionsTests
{
    [Theory]
    [InlineData(30, "json", 0)]
    [InlineData(0, "text", 0)]
    [InlineData(-1, "json", 1)]
    [InlineData(double.PositiveInfinity, "json", 1)]
    [InlineData(30, "xml", 1)]
    [InlineData(-5, "JSON", 2)]
    public void Validate_DrainTimeoutAndLogFormat(double drainTimeout, string logFormat, int expectedErrors)
    {
        var options = new GantryOptions { Model = "model.gguf", DrainTimeout = drainTimeout, LogFormat = logFormat };

        var errors = options.Validate();

        Assert.Equal(expectedErrors, errors.Count);
    }

    [Fact]
    public void CommandLine_MapsDrainTimeoutAndLogFormat()
    {
        var mappings = ServeCommandLine.CreateSwitchMappings();

        Assert.Equal("Gantry:DrainTimeout", mappings["--drain-timeout"]);
        Assert.Equal("Gantry:LogFormat", mappings["--log-format"]);
    }
}
