namespace Gantry.Upstream;

/// <summary>The upstream's output is not the OpenAI JSON or server-sent events it should be.</summary>
public sealed class UpstreamProtocolException : Exception
{
    /// <summary>Creates the exception with a message that describes the invalid output.</summary>
    public UpstreamProtocolException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that revealed it.</summary>
    public UpstreamProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
