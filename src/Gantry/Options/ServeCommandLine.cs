namespace Gantry.Options;

/// <summary>The options of <c>gantry serve</c>, each mapped to a key of the <c>Gantry</c> configuration section.</summary>
public static class ServeCommandLine
{
    // Declared before Options, which copies it: static fields initialize in textual order.
    private static readonly (string Option, string Key, string Help)[] SecurityOptions =
    [
        ("--api-keys", "ApiKeys", "JSON file of API keys (SHA-256, name, tenant, scopes), reread when it changes"),
        ("--allow-anonymous", "AllowAnonymous", "serve without API keys on a non-loopback address (flag)"),
        ("--metrics-require-admin", "MetricsRequireAdmin", "require a key with the admin scope for /metrics (flag)"),
        ("--rate-limit-requests-per-minute", "RateLimitRequestsPerMinute", "requests per minute per key or client IP (default 0: off)"),
        ("--rate-limit-tokens-per-minute", "RateLimitTokensPerMinute", "prompt plus max_tokens per minute per key or client IP (default 0: off)"),
        ("--max-messages", "MaxMessages", "maximum number of messages in one chat request (default 512)"),
        ("--max-prompt-tokens", "MaxPromptTokens", "maximum prompt tokens of one request (default 0: context size)"),
        ("--max-completion-tokens", "MaxCompletionTokens", "maximum max_tokens a request may set (default 0: context size)"),
        ("--max-request-header-bytes", "MaxRequestHeaderBytes", "largest total size of request headers in bytes (default 32768)"),
        ("--request-timeout", "RequestTimeout", "seconds a non-streamed request may take (default 300)"),
        ("--stream-timeout", "StreamTimeout", "seconds a streamed response may last (default 1800)"),
        ("--request-headers-timeout", "RequestHeadersTimeout", "seconds a client may take to send its headers (default 30)"),
        ("--min-request-body-bytes-per-second", "MinRequestBodyBytesPerSecond", "slowest accepted upload after 5 s (default 240, 0: off)"),
        ("--min-response-bytes-per-second", "MinResponseBytesPerSecond", "slowest accepted download after 5 s (default 240, 0: off)"),
    ];

    /// <summary>Option, configuration key and help text, in the order <c>--help</c> prints them.</summary>
    public static readonly IReadOnlyList<(string Option, string Key, string Help)> Options =
    [
        ("--model", "Model", "GGUF file path, or an http(s) URL downloaded once into <data-dir>/models"),
        ("--model-name", "ModelName", "model id that clients send (default: file name without extension)"),
        ("--model-sha256", "ModelSha256", "expected SHA-256 (hex) of a downloaded model"),
        ("--host", "Host", "address to listen on (default 127.0.0.1)"),
        ("--port", "Port", "TCP port (default 8000)"),
        ("--context-size", "ContextSize", "maximum tokens of one sequence, prompt plus completion (default 4096)"),
        ("--parallel", "Parallel", "sequences decoded together in one batch (default 4)"),
        ("--max-queue", "MaxQueue", "requests that may wait for a free sequence before 503 (default 64)"),
        ("--threads", "Threads", "CPU threads for llama.cpp (default: processor count)"),
        ("--data-dir", "DataDir", "directory for state and caches (default ./.data)"),
        ("--database", "Database", "PostgreSQL connection string for records and feedback (default: SQLite <data-dir>/gantry.db)"),
        ("--capture", "Capture", "what to store of each completion: off, metadata or full (default metadata)"),
        ("--model-load-timeout", "ModelLoadTimeout",
            "seconds the model, or in upstream mode the upstream, may take to become ready (default 600)"),
        ("--max-request-body-bytes", "MaxRequestBodyBytes", "largest accepted request body in bytes (default 4194304)"),
        ("--drain-timeout", "DrainTimeout", "seconds requests in flight may finish after SIGTERM (default 30)"),
        ("--log-format", "LogFormat", "console log format: json or text (default json)"),
        ("--upstream", "Upstream", "base URL of an OpenAI-compatible server to forward inference to, instead of --model"),
        ("--upstream-model", "UpstreamModel", "model id the upstream serves (required with --upstream)"),
        ("--upstream-api-key", "UpstreamApiKey", "bearer token sent to the upstream"),
        ("--upstream-connect-timeout", "UpstreamConnectTimeout", "seconds to connect to the upstream (default 5)"),
        ("--upstream-first-byte-timeout", "UpstreamFirstByteTimeout",
            "seconds until the upstream's first output, and the longest gap inside a stream (default 120)"),
        ("--upstream-retries", "UpstreamRetries", "retries after a refused connection or an upstream 502/503 (default 2)"),
        ("--upstream-circuit-minimum-throughput", "UpstreamCircuitMinimumThroughput",
            "attempts in 30 s, half of them failed, that open the circuit (default 10)"),
        ("--upstream-circuit-break-duration", "UpstreamCircuitBreakDuration",
            "seconds the open circuit rejects requests with 503 (default 15)"),
        ("--upstream-health-interval", "UpstreamHealthInterval", "seconds between upstream health polls (default 5)"),
        .. SecurityOptions,
    ];

    /// <summary>Options that take no value: <c>--allow-anonymous</c> alone means <c>--allow-anonymous true</c>.</summary>
    public static readonly IReadOnlySet<string> Flags = new HashSet<string>(StringComparer.Ordinal)
    {
        "--allow-anonymous",
        "--metrics-require-admin",
    };

    /// <summary>
    /// Rewrites each flag in <see cref="Flags"/> that is not followed by <c>true</c> or <c>false</c> to
    /// <c>--flag=true</c>, because the configuration command-line parser would take the next option as its value.
    /// </summary>
    public static string[] ExpandFlags(string[] args)
    {
        var result = new List<string>(args.Length);
        for (var i = 0; i < args.Length; i++)
        {
            var next = i + 1 < args.Length ? args[i + 1] : null;
            if (Flags.Contains(args[i]) && !bool.TryParse(next, out _))
            {
                result.Add(args[i] + "=true");
            }
            else
            {
                result.Add(args[i]);
            }
        }

        return result.ToArray();
    }

    /// <summary>Switch mappings for <c>AddCommandLine</c>: <c>--port</c> to <c>Gantry:Port</c> and so on.</summary>
    public static Dictionary<string, string> CreateSwitchMappings()
    {
        var mappings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (option, key, _) in Options)
        {
            mappings[option] = $"{GantryOptions.Section}:{key}";
        }

        return mappings;
    }

    /// <summary>Writes the usage text.</summary>
    public static void WriteHelp(TextWriter writer)
    {
        writer.WriteLine("Usage: gantry serve --model PATH_OR_URL [options]");
        writer.WriteLine("       gantry serve --upstream URL --upstream-model NAME [options]");
        writer.WriteLine();
        writer.WriteLine("Serves a GGUF model through an OpenAI-compatible API.");
        writer.WriteLine("Every option can also be set in appsettings.json (\"Gantry\": {\"Port\": 8000})");
        writer.WriteLine("or as an environment variable (Gantry__Port=8000).");
        writer.WriteLine();
        foreach (var (option, key, help) in Options)
        {
            writer.WriteLine($"  {option,-26} {help} [Gantry__{key}]");
        }
    }
}
