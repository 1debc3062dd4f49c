namespace Gantry.Engine;

/// <summary>
/// Finds stop strings in streamed text. Text that could be the start of a stop string is held back
/// until the next piece shows whether it is one, so no part of a stop string is ever released.
/// </summary>
internal sealed class StopSequenceMatcher
{
    private readonly IReadOnlyList<string> _stops;
    private string _pending = string.Empty;

    public StopSequenceMatcher(IReadOnlyList<string> stops) => _stops = stops;

    /// <summary>Adds text and returns what can be released; <paramref name="stopped"/> is set on a match.</summary>
    public string Push(string text, out bool stopped)
    {
        stopped = false;
        if (_stops.Count == 0)
        {
            return text;
        }

        var combined = _pending + text;
        var matchAt = -1;
        foreach (var stop in _stops)
        {
            var index = combined.IndexOf(stop, StringComparison.Ordinal);
            if (index >= 0 && (matchAt < 0 || index < matchAt))
            {
                matchAt = index;
            }
        }

        if (matchAt >= 0)
        {
            stopped = true;
            _pending = string.Empty;
            return combined[..matchAt];
        }

        var hold = LongestStopPrefixAtEnd(combined);
        _pending = combined[^hold..];
        return combined[..^hold];
    }

    /// <summary>Returns the text held back; called when the sequence ends without a stop string.</summary>
    public string Flush()
    {
        var rest = _pending;
        _pending = string.Empty;
        return rest;
    }

    private int LongestStopPrefixAtEnd(string text)
    {
        var longest = 0;
        foreach (var stop in _stops)
        {
            for (var length = Math.Min(stop.Length - 1, text.Length); length > longest; length--)
            {
                if (text.AsSpan(text.Length - length).SequenceEqual(stop.AsSpan(0, length)))
                {
                    longest = length;
                    break;
                }
            }
        }

        // A held-back piece must not start between the two halves of a surrogate pair.
        if (longest > 0 && longest < text.Length && char.IsLowSurrogate(text[^longest]))
        {
            longest++;
        }

        return longest;
    }
}
