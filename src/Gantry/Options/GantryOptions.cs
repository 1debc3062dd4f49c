namespace Gantry.Options;

/// <summary>
/// Settings of <c>gantry serve</c>, bound from the <c>Gantry</c> configuration section: appsettings.json,
/// environment variables such as <c>Gantry__Port</c>, and command-line options such as <c>--port</c>
/// (see <see cref="ServeCommandLine"/>), later sources overriding earlier ones.
/// </summary>
public sealed partial class GantryOptions
{
    /// <summary>The configuration section name.</summary>
    public const string Section = "Gantry";

    /// <summary>GGUF file path, or an http(s) URL downloaded once into <c>{DataDir}/models</c>.</summary>
    public string? Model { get; set; }

    /// <summary>Model id that clients send; default: the file name without its extension.</summary>
    public string? ModelName { get; set; }

    /// <summary>Expected SHA-256 of a downloaded model, hex; a mismatch stops the load.</summary>
    public string? ModelSha256 { get; set; }

    /// <summary>Address to listen on. Default 127.0.0.1; use 0.0.0.0 in containers.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>TCP port. Default 8000; 0 picks a free port.</summary>
    public int Port { get; set; } = 8000;

    /// <summary>Maximum tokens of one sequence, prompt and completion together. Default 4096.</summary>
    public int ContextSize { get; set; } = 4096;

    /// <summary>Sequences decoded together. Default 4.</summary>
    public int Parallel { get; set; } = 4;

    /// <summary>Requests that may wait for a free sequence; more get 503. Default 64.</summary>
    public int MaxQueue { get; set; } = 64;

    /// <summary>CPU threads for llama.cpp. Default: the processor count.</summary>
    public int Threads { get; set; } = Environment.ProcessorCount;

    /// <summary>Directory for the server's state and caches. Default <c>./.data</c>.</summary>
    public string DataDir { get; set; } = ".data";

    /// <summary>
    /// Seconds the model may take to become ready (download, load and warm-up) before it counts as failed.
    /// Default 600. In upstream mode it bounds the wait for the upstream's first successful health poll.
    /// </summary>
    public double ModelLoadTimeout { get; set; } = 600;

    /// <summary>Maximum request body size in bytes. Default 4 MiB.</summary>
    public long MaxRequestBodyBytes { get; set; } = 4 * 1024 * 1024;

    // Operations settings: drain and log format.

    /// <summary>
    /// Seconds that requests in flight may run after SIGTERM or Ctrl+C before they are aborted. Default 30;
    /// 0 aborts running streams at once.
    /// </summary>
    public double DrainTimeout { get; set; } = 30;

    /// <summary>Console log format: <c>json</c> (one object per line, the default) or <c>text</c>.</summary>
    public string LogFormat { get; set; } = "json";

    /// <summary>Logging of prompts and completions, section <c>Gantry:Logging</c>.</summary>
    public ContentLoggingOptions Logging { get; set; } = new();

    /// <summary>Hooks for the integration tests, section <c>Gantry:Testing</c>.</summary>
    public TestingOptions Testing { get; set; } = new();

    /// <summary>Resolved model id.</summary>
    public string GetModelName()
    {
        if (!string.IsNullOrWhiteSpace(ModelName))
        {
            return ModelName;
        }

        if (string.IsNullOrWhiteSpace(Model) && !string.IsNullOrWhiteSpace(UpstreamModel))
        {
            return UpstreamModel;
        }

        var source = Model ?? "model";
        if (Uri.TryCreate(source, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
        {
            source = uri.Segments.LastOrDefault() ?? source;
        }

        return Path.GetFileNameWithoutExtension(source);
    }

    /// <summary>Lists every invalid setting, so a bad configuration reports all its problems at once.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Model) && string.IsNullOrWhiteSpace(Upstream))
        {
            errors.Add("--model is required: a GGUF file path or an http(s) URL (Gantry__Model); "
                + "or set --upstream to forward to another OpenAI-compatible server.");
        }

        ValidateUpstream(errors);

        if (Host is not "localhost" && !System.Net.IPAddress.TryParse(Host, out _))
        {
            errors.Add($"--host is '{Host}'; it must be an IP address (0.0.0.0 for all interfaces) or localhost.");
        }

        if (Port is < 0 or > 65535)
        {
            errors.Add($"--port is {Port}; it must be between 0 and 65535.");
        }

        if (ContextSize < 16)
        {
            errors.Add($"--context-size is {ContextSize}; it must be at least 16 tokens.");
        }

        if (Parallel < 1)
        {
            errors.Add($"--parallel is {Parallel}; it must be at least 1.");
        }

        if (MaxQueue < 0)
        {
            errors.Add($"--max-queue is {MaxQueue}; it must be 0 or more.");
        }

        if (Threads < 1)
        {
            errors.Add($"--threads is {Threads}; it must be at least 1.");
        }

        if (!(ModelLoadTimeout > 0))
        {
            errors.Add($"--model-load-timeout is {ModelLoadTimeout}; it must be more than 0 seconds.");
        }

        if (MaxRequestBodyBytes < 1024)
        {
            errors.Add($"--max-request-body-bytes is {MaxRequestBodyBytes}; it must be at least 1024.");
        }

        ValidateOperations(errors);
        ValidateSecurity(errors);
        return errors;
    }

    private void ValidateOperations(List<string> errors)
    {
        if (!double.IsFinite(DrainTimeout) || DrainTimeout is < 0 or > 3600)
        {
            errors.Add($"--drain-timeout is {DrainTimeout}; it must be between 0 and 3600 seconds.");
        }

        if (LogFormat is not ("json" or "text"))
        {
            errors.Add($"--log-format is '{LogFormat}'; it must be json or text.");
        }

        errors.AddRange(Logging.Validate());
    }
}
