namespace Gantry.Bench.Tests;

public sealed class BenchOptionsParserTests
{
    [Fact]
    public void Parse_AllFlags_SetsEveryOption()
    {
        string[] args =
        [
            "--url", "http://127.0.0.1:9000/v1", "--model=m", "--api-key", "k", "--endpoint", "chat",
            "--concurrency", "8", "--request-rate", "2.5", "--requests", "40", "--prompt-tokens", "64",
            "--max-tokens", "16", "--temperature", "0", "--seed", "-3", "--warmup", "0", "--timeout", "5", "--json", "out.json",
            "--no-progress", "--compare", "http://127.0.0.1:9001", "--model2", "other", "--pairs", "4",
        ];

        var options = BenchOptionsParser.Parse(args, out var errors, out var help);

        Assert.Empty(errors);
        Assert.False(help);
        Assert.NotNull(options);
        Assert.Equal("http://127.0.0.1:9000/v1/completions", options.Target.RouteUrl("completions").ToString());
        Assert.Equal("m", options.Target.Model);
        Assert.Equal("k", options.Target.ApiKey);
        Assert.Equal(BenchEndpoint.Chat, options.Endpoint);
        Assert.Equal(8, options.Concurrency);
        Assert.Equal(2.5, options.RequestRate);
        Assert.Equal(40, options.Requests);
        Assert.Equal(64, options.PromptTokens);
        Assert.Equal(16, options.MaxTokens);
        Assert.Equal(0, options.Temperature);
        Assert.Equal(-3, options.Seed);
        Assert.Equal(0, options.Warmup);
        Assert.Equal(5, options.TimeoutSeconds);
        Assert.Equal("out.json", options.JsonPath);
        Assert.False(options.Progress);
        Assert.NotNull(options.CompareTarget);
        Assert.Equal("other", options.CompareTarget.Model);
        Assert.Null(options.CompareTarget.ApiKey);
        Assert.Equal(4, options.Pairs);
    }

    [Fact]
    public void Parse_OnlyUrl_UsesDefaults()
    {
        var options = BenchOptionsParser.Parse(["--url", "http://127.0.0.1:8000"], out var errors, out _);

        Assert.Empty(errors);
        Assert.NotNull(options);
        Assert.Equal("http://127.0.0.1:8000/v1/chat/completions", options.Target.RouteUrl("chat/completions").ToString());
        Assert.Null(options.Target.Model);
        Assert.Equal(BenchEndpoint.Completions, options.Endpoint);
        Assert.Null(options.Concurrency);
        Assert.Null(options.RequestRate);
        Assert.Null(options.Temperature);
        Assert.Equal(BenchOptions.DefaultRequests, options.Requests);
        Assert.Equal(BenchOptions.DefaultWarmup, options.Warmup);
        Assert.Null(options.CompareTarget);
    }

    [Fact]
    public void Parse_ManyProblems_ReportsEach()
    {
        string[] args = ["--requests", "0", "--endpoint", "embeddings", "--bogus", "--request-rate", "-1", "--pairs", "2", "--seed"];

        var options = BenchOptionsParser.Parse(args, out var errors, out _);

        Assert.Null(options);
        Assert.Contains(errors, e => e.Contains("--url", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("--requests '0'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("embeddings", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("--bogus", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("--request-rate '-1'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("--pairs '2'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("'--seed' needs a value", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_InvalidUrl_IsRejected()
    {
        var options = BenchOptionsParser.Parse(["--url", "ftp://host"], out var errors, out _);

        Assert.Null(options);
        Assert.Single(errors);
        Assert.Contains("ftp://host", errors[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Model2WithoutCompare_IsRejected()
    {
        var options = BenchOptionsParser.Parse(["--url", "http://127.0.0.1:1", "--model2", "x"], out var errors, out _);

        Assert.Null(options);
        Assert.Contains(errors, e => e.Contains("--compare", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_RepeatedFlag_IsRejected()
    {
        var options = BenchOptionsParser.Parse(["--url", "http://127.0.0.1:1", "--requests", "1", "--requests", "2"], out var errors, out _);

        Assert.Null(options);
        Assert.Contains(errors, e => e.Contains("more than once", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_Help_ReturnsHelp()
    {
        var options = BenchOptionsParser.Parse(["--help"], out var errors, out var help);

        Assert.Null(options);
        Assert.True(help);
        Assert.Empty(errors);
    }
}
