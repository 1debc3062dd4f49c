using System.Net;

namespace Gantry.Engine.Models;

/// <summary>
/// Failure to find, download or verify a model file. The message states what failed and on which
/// path or URL, so it can be shown to the operator as it is.
/// </summary>
public sealed class ModelSourceException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    public ModelSourceException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public ModelSourceException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for an HTTP error response.</summary>
    public ModelSourceException(string message, HttpStatusCode statusCode)
        : base(message)
    {
        StatusCode = statusCode;
    }

    /// <summary>HTTP status of the response that failed the download, or null when none applies.</summary>
    public HttpStatusCode? StatusCode { get; }
}
