using System.Globalization;

namespace Gantry.Engine.Models;

/// <summary>
/// Renders model download progress as text. On a terminal it redraws one line in place.
/// Otherwise it writes a plain line at every 10% step, or every 100 MiB when the size is unknown,
/// so that container logs stay readable.
/// </summary>
/// <remarks>Thread-safe. Reports arrive synchronously on the caller's thread.</remarks>
public sealed class ConsoleDownloadProgress : IProgress<ModelDownloadProgress>
{
    private const int BarWidth = 30;
    private const long UnknownSizeStepBytes = 100L * 1024 * 1024;
    private static readonly TimeSpan s_redrawInterval = TimeSpan.FromMilliseconds(100);

    private readonly TextWriter _writer;
    private readonly bool _isTerminal;
    private readonly string _label;
    private readonly TimeProvider _timeProvider;
    private readonly Lock _lock = new();
    private long _lastStep = -1;
    private long _lastRedrawTimestamp;
    private int _lastLineLength;
    private bool _completed;
    private bool _wroteFullLine;

    /// <summary>Creates a renderer.</summary>
    /// <param name="writer">Destination, usually standard error.</param>
    /// <param name="isTerminal">True to redraw one line with carriage returns, false for plain lines.</param>
    /// <param name="label">Text that starts each line, such as the model file name.</param>
    /// <param name="timeProvider">Clock that limits terminal redraws to ten per second, or null for the system clock.</param>
    public ConsoleDownloadProgress(TextWriter writer, bool isTerminal, string label, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        _writer = writer;
        _isTerminal = isTerminal;
        _label = label;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Creates a renderer on standard error that redraws in place when standard error is a terminal.</summary>
    public static ConsoleDownloadProgress ForStandardError(string label) =>
        new(Console.Error, isTerminal: !Console.IsErrorRedirected, label);

    /// <inheritdoc/>
    public void Report(ModelDownloadProgress value)
    {
        lock (_lock)
        {
            if (_completed)
            {
                return;
            }

            _completed = value.IsComplete;
            if (_isTerminal)
            {
                Redraw(value);
            }
            else
            {
                WriteStepLine(value);
            }
        }
    }

    private void Redraw(ModelDownloadProgress value)
    {
        var now = _timeProvider.GetTimestamp();
        if (!value.IsComplete && _lastRedrawTimestamp != 0 && _timeProvider.GetElapsedTime(_lastRedrawTimestamp, now) < s_redrawInterval)
        {
            return;
        }

        _lastRedrawTimestamp = now;
        var line = FormatLine(value, withBar: true);

        // Pad with spaces so that a shorter line fully covers the previous one.
        var padding = Math.Max(0, _lastLineLength - line.Length);
        _lastLineLength = line.Length;
        _writer.Write('\r' + line + new string(' ', padding));
        if (value.IsComplete)
        {
            _writer.WriteLine();
        }

        _writer.Flush();
    }

    private void WriteStepLine(ModelDownloadProgress value)
    {
        if (value.IsComplete)
        {
            if (!_wroteFullLine)
            {
                WriteLine(FormatLine(value, withBar: false));
            }

            return;
        }

        var step = value.Fraction is { } fraction
            ? (long)Math.Floor(fraction * 10)
            : value.BytesDownloaded / UnknownSizeStepBytes;
        if (step <= _lastStep)
        {
            return;
        }

        _lastStep = step;
        _wroteFullLine = value.Fraction >= 1;
        WriteLine(FormatLine(value, withBar: false));
    }

    private void WriteLine(string line)
    {
        _writer.WriteLine(line);
        _writer.Flush();
    }

    private string FormatLine(ModelDownloadProgress value, bool withBar)
    {
        var culture = CultureInfo.InvariantCulture;
        var done = FormatMebibytes(value.BytesDownloaded);
        var rate = value.IsComplete ? string.Empty : string.Create(culture, $", {value.BytesPerSecond / (1024 * 1024):0.0} MiB/s");
        if (value.Fraction is not { } fraction)
        {
            return string.Create(culture, $"{_label}: {done} MiB{rate}");
        }

        var percent = string.Create(culture, $"{fraction * 100,3:0}%");
        var total = FormatMebibytes(value.TotalBytes!.Value);
        if (!withBar)
        {
            return string.Create(culture, $"{_label}: {percent.TrimStart()} ({done}/{total} MiB{rate})");
        }

        var filled = (int)Math.Round(fraction * BarWidth);
        var bar = new string('#', filled) + new string('-', BarWidth - filled);
        return string.Create(culture, $"{_label} {percent} [{bar}] {done}/{total} MiB{rate}");
    }

    private static string FormatMebibytes(long bytes) =>
        (bytes / (1024.0 * 1024.0)).ToString("0.0", CultureInfo.InvariantCulture);
}
