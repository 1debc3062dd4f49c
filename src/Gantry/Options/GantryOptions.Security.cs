namespace Gantry.Options;

/// <summary>Access control and request limits; see docs/security.md.</summary>
public sealed partial class GantryOptions
{
    /// <summary>Path of the API key file; empty means no keys (allowed on loopback, or with <see cref="AllowAnonymous"/>).</summary>
    public string? ApiKeys { get; set; }

    /// <summary>Whether a server without API keys may listen on a non-loopback address. Default false.</summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>Whether <c>/metrics</c> needs a key with the admin scope. Default false: Prometheus scrapes it openly.</summary>
    public bool MetricsRequireAdmin { get; set; }

    /// <summary>Requests per minute per API key (per client IP without keys); 0 means unlimited. Default 0.</summary>
    public int RateLimitRequestsPerMinute { get; set; }

    /// <summary>
    /// Tokens per minute per API key (per client IP without keys), counted as prompt tokens plus <c>max_tokens</c>
    /// when a request is admitted; 0 means unlimited. Default 0.
    /// </summary>
    public int RateLimitTokensPerMinute { get; set; }

    /// <summary>Maximum number of messages in one chat request. Default 512.</summary>
    public int MaxMessages { get; set; } = 512;

    /// <summary>Maximum prompt tokens of one request; 0 means only the context size limits it. Default 0.</summary>
    public int MaxPromptTokens { get; set; }

    /// <summary>Maximum <c>max_tokens</c> a request may set; 0 means only the context size limits it. Default 0.</summary>
    public int MaxCompletionTokens { get; set; }

    /// <summary>Largest total size of a request's headers in bytes; larger gets 431. Default 32768.</summary>
    public int MaxRequestHeaderBytes { get; set; } = 32 * 1024;

    /// <summary>Seconds a non-streamed request may take from arrival to its last byte; longer gets 504. Default 300.</summary>
    public double RequestTimeout { get; set; } = 300;

    /// <summary>Seconds a streamed response may last before it ends with a timeout error event. Default 1800.</summary>
    public double StreamTimeout { get; set; } = 1800;

    /// <summary>
    /// Slowest accepted request body upload in bytes per second, after a 5-second grace period; 0 turns the check
    /// off. Default 240, as Kestrel's.
    /// </summary>
    public double MinRequestBodyBytesPerSecond { get; set; } = 240;

    /// <summary>
    /// Slowest accepted response download in bytes per second, after a 5-second grace period, while the server has
    /// data to send; 0 turns the check off. Default 240, as Kestrel's.
    /// </summary>
    public double MinResponseBytesPerSecond { get; set; } = 240;

    /// <summary>Seconds a client may take to send the request headers. Default 30.</summary>
    public double RequestHeadersTimeout { get; set; } = 30;

    /// <summary>Whether <see cref="Host"/> is a loopback address, where a server without keys is reachable only locally.</summary>
    public bool IsLoopbackHost() =>
        Host is "localhost" || (System.Net.IPAddress.TryParse(Host, out var address) && System.Net.IPAddress.IsLoopback(address));

    private void ValidateSecurity(List<string> errors)
    {
        foreach (var (name, value) in new (string, double)[]
        {
            ("--rate-limit-requests-per-minute", RateLimitRequestsPerMinute),
            ("--rate-limit-tokens-per-minute", RateLimitTokensPerMinute),
            ("--max-prompt-tokens", MaxPromptTokens),
            ("--max-completion-tokens", MaxCompletionTokens),
            ("--min-request-body-bytes-per-second", MinRequestBodyBytesPerSecond),
            ("--min-response-bytes-per-second", MinResponseBytesPerSecond),
        })
        {
            if (value < 0)
            {
                errors.Add($"{name} is {value}; it must be 0 (off) or more.");
            }
        }

        if (MaxMessages < 1)
        {
            errors.Add($"--max-messages is {MaxMessages}; it must be at least 1.");
        }

        if (MaxRequestHeaderBytes < 1024)
        {
            errors.Add($"--max-request-header-bytes is {MaxRequestHeaderBytes}; it must be at least 1024.");
        }

        foreach (var (name, value) in new (string, double)[]
        {
            ("--request-timeout", RequestTimeout),
            ("--stream-timeout", StreamTimeout),
            ("--request-headers-timeout", RequestHeadersTimeout),
        })
        {
            if (value is <= 0 or > 86400)
            {
                errors.Add($"{name} is {value}; it must be more than 0 and at most 86400 seconds.");
            }
        }
    }
}
