using Gantry.Options;
using Microsoft.Extensions.Configuration;

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
    public void Validate_ContentLoggingSection_Included()
    {
        var options = new GantryOptions { Model = "model.gguf" };
        options.Logging.ContentSampleRate = 2;

        var errors = options.Validate();

        Assert.Contains(errors, error => error.Contains("Gantry:Logging:ContentSampleRate", StringComparison.Ordinal));
    }

    [Fact]
    public void Bind_LoggingAndTestingSections()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gantry:Logging:LogContent"] = "true",
            ["Gantry:Logging:ContentMaxChars"] = "50",
            ["Gantry:Testing:LoadGateFile"] = "/tmp/gate",
        }).Build();
        var options = new GantryOptions();

        configuration.GetSection(GantryOptions.Section).Bind(options);

        Assert.True(options.Logging.LogContent);
        Assert.Equal(50, options.Logging.ContentMaxChars);
        Assert.Equal("/tmp/gate", options.Testing.LoadGateFile);
    }

    [Fact]
    public void CommandLine_MapsDrainTimeoutAndLogFormat()
    {
        var mappings = ServeCommandLine.CreateSwitchMappings();

        Assert.Equal("Gantry:DrainTimeout", mappings["--drain-timeout"]);
        Assert.Equal("Gantry:LogFormat", mappings["--log-format"]);
    }
}
