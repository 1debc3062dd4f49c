using System.Collections.Concurrent;
using LLama.Native;

namespace Gantry.Engine.Tests;

/// <summary>
/// Routes llama.cpp's native log output away from the console, keeping the latest warnings and
/// errors so that a failing test can show them.
/// </summary>
internal static class NativeLogSilencer
{
    private const int MaxKeptMessages = 200;

    private static readonly ConcurrentQueue<string> s_messages = new();
    private static readonly Lazy<bool> s_configured = new(Configure);

    /// <summary>Latest warning and error lines from llama.cpp.</summary>
    public static IEnumerable<string> Messages => s_messages;

    /// <summary>Installs the log callback. Call it before the first native call in the process.</summary>
    public static void EnsureConfigured() => _ = s_configured.Value;

    private static bool Configure()
    {
        NativeLibraryConfig.All.WithLogCallback((level, message) =>
        {
            if (level is LLamaLogLevel.Warning or LLamaLogLevel.Error)
            {
                s_messages.Enqueue(message);
                while (s_messages.Count > MaxKeptMessages && s_messages.TryDequeue(out _))
                {
                }
            }
        });
        return true;
    }
}
