namespace Gantry.Engine.Models;

/// <summary>
/// Progress of a model download.
/// </summary>
/// <param name="BytesDownloaded">Bytes of the file on disk so far, including bytes kept from an earlier, interrupted attempt.</param>
/// <param name="TotalBytes">Size of the whole file in bytes, or null while the server has not sent it.</param>
/// <param name="BytesPerSecond">Transfer rate of the current attempt, in bytes per second.</param>
/// <param name="IsComplete">True on the last report, once every byte has arrived.</param>
public readonly record struct ModelDownloadProgress(
    long BytesDownloaded,
    long? TotalBytes,
    double BytesPerSecond,
    bool IsComplete)
{
    /// <summary>Fraction done between 0 and 1, or null when the total size is unknown.</summary>
    public double? Fraction => TotalBytes is > 0 ? Math.Min(1.0, (double)BytesDownloaded / TotalBytes.Value) : null;
}
