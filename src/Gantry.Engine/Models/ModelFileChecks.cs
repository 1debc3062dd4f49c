using System.Security.Cryptography;

namespace Gantry.Engine.Models;

/// <summary>
/// Checks on model files: the GGUF magic and the SHA-256 digest.
/// </summary>
public static class ModelFileChecks
{
    /// <summary>Returns true when the file starts with the four bytes <c>GGUF</c>.</summary>
    public static bool HasGgufMagic(string path)
    {
        Span<byte> header = stackalloc byte[4];
        using var file = File.OpenRead(path);
        return file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) == header.Length
            && header.SequenceEqual("GGUF"u8);
    }

    /// <summary>Computes the SHA-256 of a file as 64 lowercase hex digits.</summary>
    public static async Task<string> ComputeSha256Async(string path, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(
            path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 20, FileOptions.SequentialScan);
        var hash = await SHA256.HashDataAsync(file, cancellationToken).ConfigureAwait(false);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>
    /// Returns <paramref name="sha256"/> trimmed and in lowercase, or throws when it is not 64 hex digits.
    /// </summary>
    public static string NormalizeSha256(string sha256)
    {
        var normalized = sha256.Trim().ToLowerInvariant();
        if (normalized.Length != 64 || !normalized.All(char.IsAsciiHexDigit))
        {
            throw new ModelSourceException(
                $"Invalid model SHA-256 '{sha256}': expected 64 hexadecimal digits (the output of sha256sum).");
        }

        return normalized;
    }
}
