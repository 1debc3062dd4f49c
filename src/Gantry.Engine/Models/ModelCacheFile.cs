using System.Security.Cryptography;
using System.Text;

namespace Gantry.Engine.Models;

/// <summary>
/// Names of the files that a download keeps in the model cache directory.
/// </summary>
/// <remarks>
/// The final name is the first 12 hex digits of the URL's SHA-256, a dash and the last path
/// segment of the URL, so two URLs ending in the same file name never share a cache entry.
/// </remarks>
public sealed record ModelCacheFile
{
    private const int MaxSegmentLength = 100;

    private ModelCacheFile(string path)
    {
        Path = path;
    }

    /// <summary>Path of the complete, verified model file.</summary>
    public string Path { get; }

    /// <summary>Path that receives the bytes while the download is in progress.</summary>
    public string PartialPath => Path + ".partial";

    /// <summary>Path of the file that stores the SHA-256 verified for <see cref="Path"/>.</summary>
    public string HashPath => Path + ".sha256";

    /// <summary>Path of the lock file that keeps two processes from downloading the same file at once.</summary>
    public string LockPath => Path + ".lock";

    /// <summary>Returns the cache file names for <paramref name="url"/> inside <paramref name="cacheDirectory"/>.</summary>
    public static ModelCacheFile For(Uri url, string cacheDirectory)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentException.ThrowIfNullOrEmpty(cacheDirectory);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(url.AbsoluteUri));
        var prefix = Convert.ToHexStringLower(hash.AsSpan(0, 6));
        var name = $"{prefix}-{GetSafeLastSegment(url)}";
        return new ModelCacheFile(System.IO.Path.Combine(System.IO.Path.GetFullPath(cacheDirectory), name));
    }

    private static string GetSafeLastSegment(Uri url)
    {
        var segment = Uri.UnescapeDataString(url.Segments.Length > 0 ? url.Segments[^1] : string.Empty).Trim('/');
        var builder = new StringBuilder(segment.Length);
        foreach (var character in segment)
        {
            // Keep names portable: anything outside letters, digits, '.', '-' and '_' becomes '_'.
            builder.Append(char.IsAsciiLetterOrDigit(character) || character is '.' or '-' or '_' ? character : '_');
        }

        var safe = builder.ToString().TrimStart('.');
        if (safe.Length == 0)
        {
            return "model.gguf";
        }

        return safe.Length <= MaxSegmentLength ? safe : safe[^MaxSegmentLength..];
    }
}
