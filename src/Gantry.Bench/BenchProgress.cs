using System.Globalization;

namespace Gantry.Bench;

/// <summary>
/// Counts finished requests and, when enabled, redraws a one-line progress bar on standard error every
/// quarter second until disposed. Thread-safe.
/// </summary>
public sealed class BenchProgress : IAsyncDisposable
{
    private const int BarWidth = 30;
    private static readonly TimeSpan s_redrawInterval = TimeSpan.FromMilliseconds(250);

    private readonly TextWriter? _writer;
    private readonly string _label;
    private readonly int _total;
    private readonly Func<double> _clock;
    private readonly double _start;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _drawing;
    private int _completed;
    private int _failed;
    private long _tokens;

    /// <summary>
    /// Starts counting <paramref name="total"/> requests; draws on <paramref name="writer"/> unless it is null.
    /// <paramref name="clock"/> returns seconds on the run's clock.
    /// </summary>
    public BenchProgress(TextWriter? writer, string label, int total, Func<double> clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        _writer = writer;
        _label = label;
        _total = total;
        _clock = clock;
        _start = clock();
        _drawing = writer is null ? Task.CompletedTask : DrawLoopAsync();
    }

    /// <summary>Counts one finished request.</summary>
    public void Record(RequestResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        switch (result.Outcome)
        {
            case RequestOutcome.Completed:
                Interlocked.Increment(ref _completed);
                Interlocked.Add(ref _tokens, result.OutputTokens);
                break;
            case RequestOutcome.Cancelled:
                break;
            default:
                Interlocked.Increment(ref _failed);
                break;
        }
    }

    /// <summary>Stops drawing and clears the bar's line.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _drawing;
        _stop.Dispose();
        if (_writer is not null)
        {
            await _writer.WriteAsync("\r" + new string(' ', 100) + "\r");
            await _writer.FlushAsync();
        }
    }

    private async Task DrawLoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                await _writer!.WriteAsync(Render());
                await _writer.FlushAsync();
                await Task.Delay(s_redrawInterval, _stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private string Render()
    {
        var completed = Volatile.Read(ref _completed);
        var failed = Volatile.Read(ref _failed);
        var done = completed + failed;
        var filled = _total > 0 ? Math.Min(BarWidth, done * BarWidth / _total) : 0;
        var elapsed = Math.Max(_clock() - _start, 1e-9);
        return string.Create(CultureInfo.InvariantCulture,
            $"\r{_label} [{new string('#', filled)}{new string('.', BarWidth - filled)}] {done}/{_total} failed {failed} {Volatile.Read(ref _tokens) / elapsed:F1} tok/s ");
    }
}
