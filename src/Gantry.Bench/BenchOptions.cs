namespace Gantry.Bench;

/// <summary>Settings of one <c>gantry bench</c> invocation; see <see cref="BenchOptionsParser"/> for the flags.</summary>
public sealed record BenchOptions
{
    /// <summary>Default of <see cref="Requests"/>.</summary>
    public const int DefaultRequests = 100;

    /// <summary>Default of <see cref="PromptTokens"/>.</summary>
    public const int DefaultPromptTokens = 128;

    /// <summary>Default of <see cref="MaxTokens"/>.</summary>
    public const int DefaultMaxTokens = 128;

    /// <summary>Default of <see cref="Warmup"/>.</summary>
    public const int DefaultWarmup = 1;

    /// <summary>Default of <see cref="TimeoutSeconds"/>.</summary>
    public const double DefaultTimeoutSeconds = 300;

    /// <summary>Default and minimum of <see cref="Pairs"/>.</summary>
    public const int MinPairs = 3;

    /// <summary>The server measured (A in a comparison).</summary>
    public required BenchTarget Target { get; init; }

    /// <summary>Route to send requests to; default completions.</summary>
    public BenchEndpoint Endpoint { get; init; } = BenchEndpoint.Completions;

    /// <summary>
    /// Requests in flight at once. In closed-loop mode (no <see cref="RequestRate"/>) default 1; with a
    /// request rate it caps the requests in flight and null means no cap.
    /// </summary>
    public int? Concurrency { get; init; }

    /// <summary>Mean requests started per second with Poisson arrivals, or null for closed-loop mode.</summary>
    public double? RequestRate { get; init; }

    /// <summary>Measured requests per run; default 100.</summary>
    public int Requests { get; init; } = DefaultRequests;

    /// <summary>Approximate prompt length in tokens (words from <see cref="PromptGenerator"/>); default 128.</summary>
    public int PromptTokens { get; init; } = DefaultPromptTokens;

    /// <summary><c>max_tokens</c> of every request, sent with <c>ignore_eos: true</c>; default 128.</summary>
    public int MaxTokens { get; init; } = DefaultMaxTokens;

    /// <summary><c>temperature</c> of every request, or null to send none and use the server's default.</summary>
    public double? Temperature { get; init; }

    /// <summary>Seed of prompts and arrival times; default 0.</summary>
    public int Seed { get; init; }

    /// <summary>Unmeasured requests sent before each run; default 1.</summary>
    public int Warmup { get; init; } = DefaultWarmup;

    /// <summary>Longest time one request may take, in seconds; default 300.</summary>
    public double TimeoutSeconds { get; init; } = DefaultTimeoutSeconds;

    /// <summary>File to write the figures to as JSON, or null.</summary>
    public string? JsonPath { get; init; }

    /// <summary>Second server (B) for a comparison, or null for a single run.</summary>
    public BenchTarget? CompareTarget { get; init; }

    /// <summary>Number of A-then-B run pairs in a comparison; default and minimum 3.</summary>
    public int Pairs { get; init; } = MinPairs;

    /// <summary>Whether to draw a progress bar on standard error.</summary>
    public bool Progress { get; init; } = true;
}
