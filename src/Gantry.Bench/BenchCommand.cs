using System.Net;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Gantry.Bench;

/// <summary>
/// Entry point of <c>gantry bench</c>. Exit codes: 0 when the run finished and at least one request
/// completed, 1 when none completed or a server could not be reached, 2 for invalid options, 130 when
/// stopped with Ctrl+C (after printing the figures measured so far).
/// </summary>
public static class BenchCommand
{
    /// <summary>Exit code after Ctrl+C, 128 + SIGINT as shells report it.</summary>
    public const int StoppedExitCode = 130;

    /// <summary>
    /// Runs <c>gantry bench</c> with <paramref name="args"/> (the arguments after <c>bench</c>), writing the
    /// report to standard output and the progress bar to standard error. Ctrl+C (SIGINT) or
    /// <paramref name="cancellationToken"/> stops sending and prints what was measured.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
        {
            context.Cancel = true;
            Console.Error.WriteLine();
            Console.Error.WriteLine("Stopping: sending no more requests and reporting what was measured.");
            stop.Cancel();
        });
        var progress = Console.IsErrorRedirected ? null : Console.Error;
        return await RunAsync(args, Console.Out, Console.Error, progress, TimeProvider.System, stop.Token);
    }

    /// <summary>
    /// Runs <c>gantry bench</c> with explicit writers and clock; the progress bar goes to
    /// <paramref name="progress"/> unless it is null or <c>--no-progress</c> is given.
    /// </summary>
    public static async Task<int> RunAsync(
        string[] args, TextWriter output, TextWriter error, TextWriter? progress, TimeProvider time, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(time);
        var options = BenchOptionsParser.Parse(args, out var problems, out var help);
        if (help)
        {
            await output.WriteLineAsync(BenchOptionsParser.Usage);
            return 0;
        }

        if (options is null)
        {
            foreach (var problem in problems)
            {
                await error.WriteLineAsync(problem);
            }

            return 2;
        }

        using var client = CreateClient(reuseConnections: true);
        using var retryClient = CreateClient(reuseConnections: false);
        string modelA;
        string? modelB = null;
        try
        {
            modelA = await ModelResolver.ResolveAsync(client, options.Target, stop);
            if (options.CompareTarget is { } compare)
            {
                modelB = await ModelResolver.ResolveAsync(client, compare, stop);
            }
        }
        catch (InvalidOperationException exception)
        {
            await error.WriteLineAsync(exception.Message);
            return 1;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return StoppedExitCode;
        }

        var progressWriter = options.Progress ? progress : null;
        var origin = time.GetTimestamp();
        var runnerA = new BenchRunner(new RequestSender(client, retryClient, options.Target, modelA, options, time, origin), options, time, progressWriter);
        await output.WriteLineAsync(Describe("Target", options, options.Target, modelA));
        if (options.CompareTarget is null)
        {
            var summary = await runnerA.RunAsync("A", options.Seed, stop);
            await output.WriteAsync(BenchReport.FormatRun(summary));
            await WriteJsonAsync(options.JsonPath, writer => BenchJson.WriteRun(writer, summary, options, options.Target, modelA), error);
            return ExitCode(stop, summary.Completed > 0);
        }

        await output.WriteLineAsync(Describe("Target B", options, options.CompareTarget, modelB!));
        var runnerB = new BenchRunner(new RequestSender(client, retryClient, options.CompareTarget, modelB!, options, time, origin), options, time, progressWriter);
        var comparison = await CompareAsync(options, runnerA, runnerB, output, stop);
        await output.WriteAsync(BenchReport.FormatComparison(comparison));
        await WriteJsonAsync(options.JsonPath,
            writer => BenchJson.WriteComparison(writer, comparison, options, (options.Target, modelA), (options.CompareTarget, modelB!)), error);
        return ExitCode(stop, comparison.RunsA.Concat(comparison.RunsB).Any(r => r.Completed > 0));
    }

    private static async Task<ComparisonSummary> CompareAsync(
        BenchOptions options, BenchRunner runnerA, BenchRunner runnerB, TextWriter output, CancellationToken stop)
    {
        var runsA = new List<BenchSummary>();
        var runsB = new List<BenchSummary>();
        for (var pair = 0; pair < options.Pairs && !stop.IsCancellationRequested; pair++)
        {
            // Both sides of a pair get the same prompts. Each pair gets new ones, so no server can reuse
            // its prompt cache from an earlier run.
            var seed = unchecked(options.Seed + pair);
            var a = await runnerA.RunAsync($"pair {pair + 1} A", seed, stop);
            if (stop.IsCancellationRequested)
            {
                break;
            }

            var b = await runnerB.RunAsync($"pair {pair + 1} B", seed, stop);
            if (stop.IsCancellationRequested)
            {
                break;
            }

            runsA.Add(a);
            runsB.Add(b);
            await output.WriteLineAsync($"Pair {pair + 1}: A {a.OutputTokensPerSecond:F1} tok/s, B {b.OutputTokensPerSecond:F1} tok/s");
        }

        return new ComparisonSummary(runsA, runsB);
    }

    private static string Describe(string label, BenchOptions options, BenchTarget target, string model)
    {
        var load = options.RequestRate is { } rate
            ? $"Poisson arrivals at {rate} requests/s" + (options.Concurrency is { } cap ? $", at most {cap} in flight" : string.Empty)
            : $"concurrency {options.Concurrency ?? 1}";
        var route = options.Endpoint == BenchEndpoint.Chat ? "chat/completions" : "completions";
        return $"{label} {target.RouteUrl(route)}, model {model}: {options.Requests} requests ({options.Warmup} warm-up), {load}, " +
            $"prompt about {options.PromptTokens} tokens, {options.MaxTokens} output tokens, seed {options.Seed}.";
    }

    private static async Task WriteJsonAsync(string? path, Action<Utf8JsonWriter> write, TextWriter error)
    {
        if (path is null)
        {
            return;
        }

        try
        {
            await using var file = File.Create(path);
            await using var writer = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = true });
            write(writer);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"Could not write --json file '{path}': {exception.Message}");
        }
    }

    private static int ExitCode(CancellationToken stop, bool anyCompleted)
    {
        if (stop.IsCancellationRequested)
        {
            return StoppedExitCode;
        }

        return anyCompleted ? 0 : 1;
    }

    private static HttpClient CreateClient(bool reuseConnections)
    {
        var handler = new SocketsHttpHandler
        {
            // A zero lifetime closes each connection after its request, so every request gets a new one.
            PooledConnectionLifetime = reuseConnections ? Timeout.InfiniteTimeSpan : TimeSpan.Zero,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            MaxConnectionsPerServer = int.MaxValue,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            // Below the 5 s keep-alive timeout of llama.cpp's server (cpp-httplib), so the client drops an idle
            // connection before the server can close it under a request being sent.
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(2),
        };
        return new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }
}
