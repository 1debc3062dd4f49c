namespace Gantry.Engine.Models;

/// <summary>
/// Failure of one download attempt that a retry may fix, such as a 503 response.
/// </summary>
internal sealed class TransientDownloadException(string message) : Exception(message);
