namespace Gantry.Options;

/// <summary>The settings of upstream engine mode, where Gantry forwards inference to another server.</summary>
public sealed partial class GantryOptions
{
    /// <summary>
    /// Base URL of an OpenAI-compatible server (vLLM, TGI, llama.cpp's server, another Gantry) that serves the
    /// inference routes instead of an in-process model, e.g. <c>http://127.0.0.1:8001</c>. A trailing
    /// <c>/v1</c> is accepted and ignored. Default: none, so <see cref="Model"/> is served in-process.
    /// </summary>
    public string? Upstream { get; set; }

    /// <summary>The model id the upstream serves; Gantry rewrites <c>model</c> in requests to it.</summary>
    public string? UpstreamModel { get; set; }

    /// <summary>Bearer token sent to the upstream; never logged. Default: none.</summary>
    public string? UpstreamApiKey { get; set; }

    /// <summary>Seconds allowed for the TCP connection to the upstream. Default 5.</summary>
    public double UpstreamConnectTimeout { get; set; } = 5;

    /// <summary>
    /// Seconds allowed until the upstream's first byte of output: the first server-sent event of a stream, or
    /// the whole body of a non-streamed response, which the upstream only sends when generation ends. While a
    /// stream runs, it is also the longest gap allowed between two events. Default 120.
    /// </summary>
    public double UpstreamFirstByteTimeout { get; set; } = 120;

    /// <summary>Retries after a refused connection or a 502 or 503 from the upstream. Default 2.</summary>
    public int UpstreamRetries { get; set; } = 2;

    /// <summary>Failed attempts within 30 s, at a failure ratio of at least half, that open the circuit. Default 10.</summary>
    public int UpstreamCircuitMinimumThroughput { get; set; } = 10;

    /// <summary>Seconds the circuit stays open, rejecting requests with 503 without calling the upstream. Default 15.</summary>
    public double UpstreamCircuitBreakDuration { get; set; } = 15;

    /// <summary>Seconds between two polls of the upstream's health. Default 5.</summary>
    public double UpstreamHealthInterval { get; set; } = 5;

    /// <summary>Whether inference is forwarded to <see cref="Upstream"/>.</summary>
    public bool IsUpstreamMode => !string.IsNullOrWhiteSpace(Upstream);

    /// <summary>The upstream base URL without a trailing <c>/v1</c>, ending in a slash; null outside upstream mode.</summary>
    public Uri? GetUpstreamBaseAddress()
    {
        if (!IsUpstreamMode || !Uri.TryCreate(Upstream, UriKind.Absolute, out var uri))
        {
            return null;
        }

        var path = uri.AbsolutePath.TrimEnd('/');
        if (path.EndsWith("/v1", StringComparison.Ordinal))
        {
            path = path[..^"/v1".Length];
        }

        return new UriBuilder(uri) { Path = path + "/", Query = string.Empty, Fragment = string.Empty }.Uri;
    }

    private void ValidateUpstream(List<string> errors)
    {
        if (!IsUpstreamMode)
        {
            return;
        }

        if (!string.IsNullOrWhiteSpace(Model))
        {
            errors.Add("--model and --upstream are both set; set one: --model serves a GGUF file in-process, "
                + "--upstream forwards to another server.");
        }

        if (!Uri.TryCreate(Upstream, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            errors.Add($"--upstream is '{Upstream}'; it must be an absolute http or https URL.");
        }

        if (string.IsNullOrWhiteSpace(UpstreamModel))
        {
            errors.Add("--upstream-model is required with --upstream: the model id the upstream serves.");
        }

        AddIfNotPositive(errors, "--upstream-connect-timeout", UpstreamConnectTimeout);
        AddIfNotPositive(errors, "--upstream-first-byte-timeout", UpstreamFirstByteTimeout);
        if (!(UpstreamCircuitBreakDuration >= 0.5) || UpstreamCircuitBreakDuration > TimeSpan.FromDays(1).TotalSeconds)
        {
            errors.Add($"--upstream-circuit-break-duration is {UpstreamCircuitBreakDuration}; "
                + "it must be between 0.5 and 86400 seconds.");
        }

        AddIfNotPositive(errors, "--upstream-health-interval", UpstreamHealthInterval);
        if (UpstreamRetries is < 0 or > 10)
        {
            errors.Add($"--upstream-retries is {UpstreamRetries}; it must be between 0 and 10.");
        }

        if (UpstreamCircuitMinimumThroughput < 2)
        {
            errors.Add($"--upstream-circuit-minimum-throughput is {UpstreamCircuitMinimumThroughput}; it must be at least 2.");
        }
    }

    private static void AddIfNotPositive(List<string> errors, string option, double seconds)
    {
        if (!(seconds > 0) || seconds > TimeSpan.FromDays(1).TotalSeconds)
        {
            errors.Add($"{option} is {seconds}; it must be more than 0 and at most 86400 seconds.");
        }
    }
}
