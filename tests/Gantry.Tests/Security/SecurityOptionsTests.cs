using Gantry.Options;
using Gantry.Security;

namespace Gantry.Tests.Security;

public sealed class SecurityOptionsTests
{
    [Theory]
    [InlineData("127.0.0.1", null, false, true)]
    [InlineData("localhost", null, false, true)]
    [InlineData("::1", null, false, true)]
    [InlineData("0.0.0.0", null, false, false)]
    [InlineData("::", null, false, false)]
    [InlineData("10.1.2.3", null, false, false)]
    [InlineData("0.0.0.0", null, true, true)]
    public void Validate_Exposure_RequiresKeysOrFlag(string host, string? keys, bool allowAnonymous, bool valid)
    {
        var options = new GantryOptions { Host = host, ApiKeys = keys, AllowAnonymous = allowAnonymous };

        var errors = SecuritySetup.Validate(options);

        Assert.Equal(valid, errors.Count == 0);
        if (!valid)
        {
            var error = Assert.Single(errors);
            Assert.True(SecuritySetup.IsExposureError(error));
            Assert.Contains("--allow-anonymous", error, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', error);
        }
    }

    [Fact]
    public void Validate_MissingKeyFile_ReportsIt()
    {
        var options = new GantryOptions { Host = "0.0.0.0", ApiKeys = "/nonexistent/keys.json" };

        var errors = SecuritySetup.Validate(options);

        var error = Assert.Single(errors);
        Assert.False(SecuritySetup.IsExposureError(error));
        Assert.Contains("/nonexistent/keys.json", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ExpandFlags_BareFlag_GetsTrue()
    {
        string[] args = ["--allow-anonymous", "--port", "1", "--metrics-require-admin"];

        var expanded = ServeCommandLine.ExpandFlags(args);

        Assert.Equal(["--allow-anonymous=true", "--port", "1", "--metrics-require-admin=true"], expanded);
    }

    [Fact]
    public void ExpandFlags_ExplicitValue_IsKept()
    {
        string[] args = ["--allow-anonymous", "false", "--metrics-require-admin", "true"];

        Assert.Equal(args, ServeCommandLine.ExpandFlags(args));
    }

    [Fact]
    public void SwitchMappings_SecurityOptions_MapToKeys()
    {
        var mappings = ServeCommandLine.CreateSwitchMappings();

        Assert.Equal("Gantry:ApiKeys", mappings["--api-keys"]);
        Assert.Equal("Gantry:AllowAnonymous", mappings["--allow-anonymous"]);
        Assert.Equal("Gantry:MaxMessages", mappings["--max-messages"]);
        Assert.Equal("Gantry:RateLimitTokensPerMinute", mappings["--rate-limit-tokens-per-minute"]);
    }

    [Fact]
    public void Validate_NegativeLimits_AreAllListed()
    {
        var options = new GantryOptions
        {
            Model = "m.gguf",
            RateLimitRequestsPerMinute = -1,
            MaxMessages = 0,
            MaxRequestHeaderBytes = 10,
            RequestTimeout = 0,
            StreamTimeout = -5,
        };

        var errors = options.Validate();

        Assert.Contains(errors, e => e.StartsWith("--rate-limit-requests-per-minute", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("--max-messages", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("--max-request-header-bytes", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("--request-timeout", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("--stream-timeout", StringComparison.Ordinal));
    }

    [Fact]
    public void TokenRateLimiter_Budget_RejectsOverdraw()
    {
        using var limiter = new TokenRateLimiter(Microsoft.Extensions.Options.Options.Create(
            new GantryOptions { RateLimitTokensPerMinute = 1000 }));

        Assert.True(limiter.TryTake("key:a", 600, out _));
        Assert.False(limiter.TryTake("key:a", 600, out var retryAfter));
        Assert.True(limiter.TryTake("key:b", 600, out _));
        Assert.True(retryAfter > TimeSpan.Zero);
        Assert.True(retryAfter <= TimeSpan.FromMinutes(1));
        Assert.Equal(1000, limiter.TokensPerMinute);
    }

    [Fact]
    public void TokenRateLimiter_Off_AdmitsEverything()
    {
        using var limiter = new TokenRateLimiter(Microsoft.Extensions.Options.Options.Create(new GantryOptions()));

        Assert.True(limiter.TryTake("key:a", int.MaxValue, out _));
        Assert.Equal(0, limiter.TokensPerMinute);
    }
}
