using System.Text.Json;

namespace Gantry.Upstream;

/// <summary>
/// The outcome of one upstream call up to its first byte of output: a failure, a started stream with its first
/// event, or a whole non-streamed body. Disposing it closes the upstream connection if the stream still runs,
/// which is how the upstream learns that the client went away.
/// </summary>
public sealed class UpstreamReply : IDisposable
{
    private readonly HttpResponseMessage? _response;

    private UpstreamReply(UpstreamFailure? failure, HttpResponseMessage? response, ServerSentEventReader? events,
        string? firstEvent, JsonDocument? body)
    {
        Failure = failure;
        _response = response;
        Events = events;
        FirstEvent = firstEvent;
        Body = body;
    }

    /// <summary>Why the call failed; null when it succeeded.</summary>
    public UpstreamFailure? Failure { get; }

    /// <summary>The rest of the stream, for a streamed request that succeeded.</summary>
    public ServerSentEventReader? Events { get; }

    /// <summary>The data of the stream's first event, for a streamed request that succeeded.</summary>
    public string? FirstEvent { get; }

    /// <summary>The response body, for a non-streamed request that succeeded.</summary>
    public JsonDocument? Body { get; }

    /// <summary>A failed call.</summary>
    public static UpstreamReply Failed(UpstreamFailure failure) => new(failure, null, null, null, null);

    /// <summary>A stream that has delivered its first event.</summary>
    public static UpstreamReply Streaming(HttpResponseMessage response, ServerSentEventReader events, string firstEvent) =>
        new(null, response, events, firstEvent, null);

    /// <summary>A complete non-streamed body.</summary>
    public static UpstreamReply Complete(JsonDocument body) => new(null, null, null, null, body);

    /// <inheritdoc />
    public void Dispose()
    {
        Events?.Dispose();
        _response?.Dispose();
        Body?.Dispose();
    }
}
