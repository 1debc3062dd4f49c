using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Gantry.IntegrationTests.Infrastructure;

/// <summary>
/// A real <c>gantry serve</c> process on 127.0.0.1 and a free port, with its output captured. Disposing it kills
/// the process if it still runs and deletes its data folder unless the test keeps it.
/// </summary>
public sealed partial class GantryServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _outputClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _openStreams = 2;
    private readonly bool _ownsDataDir;

    private GantryServer(Process process, string dataDir, bool ownsDataDir)
    {
        _process = process;
        DataDir = dataDir;
        _ownsDataDir = ownsDataDir;
    }

    /// <summary>The server's base address, e.g. http://127.0.0.1:41234.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The server's data directory.</summary>
    public string DataDir { get; }

    /// <summary>The process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Whether the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The exit code, once the process has exited.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Every line the process wrote to stdout and stderr so far.</summary>
    public IReadOnlyList<string> Output => _output.ToArray();

    /// <summary>Starts the server with the given arguments after <c>serve</c> and waits until it listens.</summary>
    /// <param name="arguments">Options such as <c>--model</c>; <c>--port 0</c>, <c>--host</c> and <c>--data-dir</c> are added.</param>
    /// <param name="environment">Extra environment variables.</param>
    /// <param name="dataDir">An existing data directory to reuse, for restart tests; a new one otherwise.</param>
    public static async Task<GantryServer> StartAsync(IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null, string? dataDir = null)
    {
        var ownsDataDir = dataDir is null;
        dataDir ??= Directory.CreateTempSubdirectory("gantry-test-").FullName;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(RepositoryPaths.ServerAssembly);
        start.ArgumentList.Add("serve");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var argument in new[] { "--host", "127.0.0.1", "--port", "0", "--data-dir", dataDir })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var server = new GantryServer(process, dataDir, ownsDataDir);
        process.OutputDataReceived += (_, e) => server.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => server.OnLine(e.Data);
        process.Exited += async (_, _) =>
        {
            // The readers of standard output and error may still deliver the last lines after the exit.
            await server._outputClosed.Task.WaitAsync(TimeSpan.FromSeconds(10))
                .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            server._listening.TrySetException(
                new InvalidOperationException($"gantry exited before listening:\n{string.Join('\n', server.Output)}"));
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            server.BaseAddress = await server._listening.Task.WaitAsync(StartTimeout);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>Waits until the model is loaded: a one-token completion succeeds.</summary>
    public async Task WaitUntilReadyAsync(string model)
    {
        using var client = new HttpClient { BaseAddress = BaseAddress };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            using var response = await client.PostAsync("/v1/completions", Json.Content(new
            {
                model,
                prompt = "a",
                max_tokens = 1,
            }));
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            if (deadline.Elapsed > StartTimeout || HasExited)
            {
                throw new InvalidOperationException(
                    $"gantry did not become ready ({(int)response.StatusCode}):\n{string.Join('\n', Output)}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Creates an HTTP client for the server.</summary>
    public HttpClient CreateClient() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(2) };

    /// <summary>Sends SIGTERM, as Kubernetes and Ctrl+C do.</summary>
    public void Terminate() => Signal(15);

    /// <summary>Kills the process with SIGKILL, giving it no chance to clean up.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            Signal(9);
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>Waits for the process to exit and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        return _process.ExitCode;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // The process never started.
        }

        _process.Dispose();
        if (_ownsDataDir)
        {
            try
            {
                Directory.Delete(DataDir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            // A null line marks the end of one of the two streams.
            if (Interlocked.Decrement(ref _openStreams) == 0)
            {
                _outputClosed.TrySetResult();
            }

            return;
        }

        _output.Enqueue(line);
        var match = ListeningPattern().Match(line);
        if (match.Success)
        {
            _listening.TrySetResult(new Uri(match.Groups["address"].Value));
        }
    }

    private void Signal(int signal)
    {
        if (Kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    // Only Kestrel's own line counts: other lines, such as a model download's, can name loopback URLs too.
    [GeneratedRegex(@"Now listening on: (?<address>http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningPattern();
}
