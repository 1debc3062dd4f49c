using System.Globalization;

namespace Gantry.Bench;

/// <summary>
/// Parses the command line of <c>gantry bench</c>. Flags take their value as the next argument or after
/// <c>=</c> (<c>--requests 50</c> or <c>--requests=50</c>). Every problem is reported, not only the first.
/// </summary>
public static class BenchOptionsParser
{
    /// <summary>Help text listing every flag, its unit and its default.</summary>
    public static string Usage { get; } = string.Join('\n',
    [
        "Usage: gantry bench --url URL [options]",
        "",
        "Sends streamed requests to an OpenAI-compatible server and reports throughput and latency.",
        "",
        "  --url URL              base URL of the server, e.g. http://127.0.0.1:8000 (required)",
        "  --model NAME           model field of each request (default: first model of GET /v1/models)",
        "  --api-key KEY          bearer token for the server",
        "  --endpoint KIND        completions or chat (default completions)",
        "  --concurrency N        requests in flight at once (default 1; with --request-rate: a cap, default none)",
        "  --request-rate R       start requests at random (Poisson) times, R per second on average",
        "  --requests N           measured requests per run (default " + BenchOptions.DefaultRequests + ")",
        "  --prompt-tokens N      approximate prompt length in tokens (default " + BenchOptions.DefaultPromptTokens + ")",
        "  --max-tokens N         output tokens per request, sent with ignore_eos (default " + BenchOptions.DefaultMaxTokens + ")",
        "  --temperature T        temperature of every request (default: none sent, the server's default)",
        "  --seed N               seed of prompts and arrival times (default 0)",
        "  --warmup N             unmeasured requests before each run (default " + BenchOptions.DefaultWarmup + ")",
        "  --timeout SECONDS      longest time one request may take (default " + BenchOptions.DefaultTimeoutSeconds + ")",
        "  --json PATH            also write the figures to PATH as JSON",
        "  --no-progress          draw no progress bar on standard error",
        "  --compare URL2         compare with a second server (B), run A B A B ...",
        "  --model2 NAME          model field for the second server (default: as --model)",
        "  --api-key2 KEY         bearer token for the second server (default: none)",
        "  --pairs N              A-then-B run pairs of a comparison (default and minimum " + BenchOptions.MinPairs + ")",
        "  --help                 show this text",
        "",
        "Ctrl+C stops sending and reports what was measured so far.",
    ]);

    /// <summary>
    /// Parses <paramref name="args"/>. Returns the options, or null with the problems in
    /// <paramref name="errors"/>; <paramref name="help"/> is true when <c>--help</c> was given.
    /// </summary>
    public static BenchOptions? Parse(IReadOnlyList<string> args, out IReadOnlyList<string> errors, out bool help)
    {
        ArgumentNullException.ThrowIfNull(args);
        var problems = new List<string>();
        var values = ReadFlags(args, problems, out help);
        if (help)
        {
            errors = [];
            return null;
        }

        var reader = new FlagReader(values, problems);
        var url = reader.Url("--url", required: true);
        var model = reader.Text("--model");
        var options = new BenchOptions
        {
            Target = new BenchTarget(url ?? new Uri("http://127.0.0.1"), model, reader.Text("--api-key")),
            Endpoint = reader.Endpoint("--endpoint"),
            Concurrency = reader.Int("--concurrency", 1, null),
            RequestRate = reader.Double("--request-rate"),
            Requests = reader.Int("--requests", 1, BenchOptions.DefaultRequests)!.Value,
            PromptTokens = reader.Int("--prompt-tokens", 1, BenchOptions.DefaultPromptTokens)!.Value,
            MaxTokens = reader.Int("--max-tokens", 1, BenchOptions.DefaultMaxTokens)!.Value,
            Temperature = reader.NonNegativeDouble("--temperature"),
            Seed = reader.Int("--seed", int.MinValue, 0)!.Value,
            Warmup = reader.Int("--warmup", 0, BenchOptions.DefaultWarmup)!.Value,
            TimeoutSeconds = reader.Double("--timeout") ?? BenchOptions.DefaultTimeoutSeconds,
            JsonPath = reader.Text("--json"),
            Progress = !values.ContainsKey("--no-progress"),
            Pairs = reader.Int("--pairs", BenchOptions.MinPairs, BenchOptions.MinPairs)!.Value,
        };

        var compareUrl = reader.Url("--compare", required: false);
        if (compareUrl is not null)
        {
            options = options with
            {
                CompareTarget = new BenchTarget(compareUrl, reader.Text("--model2") ?? model, reader.Text("--api-key2")),
            };
        }
        else if (values.ContainsKey("--model2") || values.ContainsKey("--api-key2") || values.ContainsKey("--pairs"))
        {
            problems.Add("--model2, --api-key2 and --pairs need --compare URL2.");
        }

        errors = problems;
        return problems.Count == 0 ? options : null;
    }

    private static readonly HashSet<string> s_flagsWithValue =
    [
        "--url", "--model", "--api-key", "--endpoint", "--concurrency", "--request-rate", "--requests",
        "--prompt-tokens", "--max-tokens", "--temperature", "--seed", "--warmup", "--timeout", "--json", "--compare",
        "--model2", "--api-key2", "--pairs",
    ];

    private static Dictionary<string, string> ReadFlags(IReadOnlyList<string> args, List<string> problems, out bool help)
    {
        help = false;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "--help" or "-h")
            {
                help = true;
                continue;
            }

            if (arg == "--no-progress")
            {
                values[arg] = string.Empty;
                continue;
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals > 0 ? arg[..equals] : arg;
            if (!s_flagsWithValue.Contains(name))
            {
                problems.Add($"Unknown option '{name}'; run 'gantry bench --help' for the list.");
                continue;
            }

            string value;
            if (equals > 0)
            {
                value = arg[(equals + 1)..];
            }
            else if (i + 1 < args.Count)
            {
                value = args[++i];
            }
            else
            {
                problems.Add($"Option '{name}' needs a value.");
                continue;
            }

            if (!values.TryAdd(name, value))
            {
                problems.Add($"Option '{name}' is given more than once.");
            }
        }

        return values;
    }

    private sealed class FlagReader(Dictionary<string, string> values, List<string> problems)
    {
        public string? Text(string name) => values.TryGetValue(name, out var value) ? value : null;

        public Uri? Url(string name, bool required)
        {
            if (!values.TryGetValue(name, out var value))
            {
                if (required)
                {
                    problems.Add($"Missing {name}: give the server's base URL, e.g. {name} http://127.0.0.1:8000.");
                }

                return null;
            }

            if (Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            {
                return uri;
            }

            problems.Add($"Invalid {name} '{value}': expected an absolute http:// or https:// URL.");
            return null;
        }

        public int? Int(string name, int minimum, int? fallback)
        {
            if (!values.TryGetValue(name, out var value))
            {
                return fallback;
            }

            if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) && number >= minimum)
            {
                return number;
            }

            problems.Add($"Invalid {name} '{value}': expected an integer of at least {minimum}.");
            return fallback ?? minimum;
        }

        public double? Double(string name)
        {
            if (!values.TryGetValue(name, out var value))
            {
                return null;
            }

            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                && number > 0 && double.IsFinite(number))
            {
                return number;
            }

            problems.Add($"Invalid {name} '{value}': expected a positive number.");
            return null;
        }

        public double? NonNegativeDouble(string name)
        {
            if (!values.TryGetValue(name, out var value))
            {
                return null;
            }

            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                && number >= 0 && double.IsFinite(number))
            {
                return number;
            }

            problems.Add($"Invalid {name} '{value}': expected a number of at least 0.");
            return null;
        }

        public BenchEndpoint Endpoint(string name)
        {
            var value = Text(name);
            switch (value)
            {
                case null or "completions":
                    return BenchEndpoint.Completions;
                case "chat":
                    return BenchEndpoint.Chat;
                default:
                    problems.Add($"Invalid {name} '{value}': expected completions or chat.");
                    return BenchEndpoint.Completions;
            }
        }
    }
}
