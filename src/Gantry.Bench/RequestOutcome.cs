namespace Gantry.Bench;

/// <summary>How one benchmark request ended.</summary>
public enum RequestOutcome
{
    /// <summary>The stream ended with <c>[DONE]</c> after a 2xx status.</summary>
    Completed,

    /// <summary>The server returned a status other than 2xx.</summary>
    HttpError,

    /// <summary>The request ran past <c>--timeout</c>.</summary>
    Timeout,

    /// <summary>The connection failed or broke before the stream ended.</summary>
    ConnectionError,

    /// <summary>The stream carried an error event, invalid JSON or ended without <c>[DONE]</c>.</summary>
    StreamError,

    /// <summary>The run was stopped (Ctrl+C) while the request was in flight.</summary>
    Cancelled,
}
