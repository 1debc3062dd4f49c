using Gantry.Api;

namespace Gantry.Upstream;

/// <summary>How a call to the upstream failed before any output reached the client.</summary>
public enum UpstreamFailureKind
{
    /// <summary>The connection was refused or the upstream returned 503: 503 with Retry-After.</summary>
    Unavailable,

    /// <summary>The circuit breaker is open and the upstream was not called: 503 with Retry-After.</summary>
    CircuitOpen,

    /// <summary>The upstream returned a 5xx or output that is not OpenAI JSON or SSE, or closed early: 502.</summary>
    BadGateway,

    /// <summary>The connection or the first byte of output took too long: 504.</summary>
    Timeout,

    /// <summary>The upstream rejected the request with a 4xx that is passed on to the client unchanged.</summary>
    Rejected,
}

/// <summary>A failed upstream call and the error the client gets for it.</summary>
/// <param name="Kind">The failure class, which picks the status.</param>
/// <param name="Message">What failed, for the client and the log; never contains the request's text.</param>
/// <param name="UpstreamStatus">The upstream's HTTP status, when it sent one.</param>
/// <param name="RetryAfter">How long the client should wait, for <see cref="UpstreamFailureKind.Unavailable"/>
/// and <see cref="UpstreamFailureKind.CircuitOpen"/>.</param>
/// <param name="Body">The upstream's error body, for <see cref="UpstreamFailureKind.Rejected"/>.</param>
public sealed record UpstreamFailure(
    UpstreamFailureKind Kind,
    string Message,
    int? UpstreamStatus = null,
    TimeSpan? RetryAfter = null,
    byte[]? Body = null)
{
    /// <summary>Whether another attempt may succeed: a refused connection, or a 502 or 503 from the upstream.</summary>
    public bool IsRetryable => Kind == UpstreamFailureKind.Unavailable
        || (Kind == UpstreamFailureKind.BadGateway && UpstreamStatus == StatusCodes.Status502BadGateway);

    /// <summary>Whether the circuit breaker counts it: everything except a rejection of the request itself.</summary>
    public bool IsUpstreamFault => Kind != UpstreamFailureKind.Rejected;

    /// <summary>The OpenAI error the client gets; the one place that maps a failure kind to a status.</summary>
    public ApiError ToApiError() => Kind switch
    {
        UpstreamFailureKind.Unavailable => ApiError.Unavailable(Message, "upstream_unavailable"),
        UpstreamFailureKind.CircuitOpen => ApiError.Unavailable(Message, "upstream_circuit_open"),
        UpstreamFailureKind.Timeout => new ApiError(StatusCodes.Status504GatewayTimeout, Message, "server_error", null,
            "upstream_timeout"),
        UpstreamFailureKind.Rejected => new ApiError(UpstreamStatus ?? StatusCodes.Status400BadRequest, Message,
            "invalid_request_error", null, "upstream_rejected"),
        _ => new ApiError(StatusCodes.Status502BadGateway, Message, "server_error", null, "upstream_bad_gateway"),
    };

    /// <summary>Writes the error to a response that has not started, with Retry-After where it applies.</summary>
    public Task WriteAsync(HttpResponse response)
    {
        if (RetryAfter is { } retryAfter)
        {
            response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(
                System.Globalization.CultureInfo.InvariantCulture);
        }

        if (Kind == UpstreamFailureKind.Rejected && Body is not null)
        {
            // The upstream's own 4xx body already has the OpenAI shape; passing it on keeps its param and code.
            response.StatusCode = UpstreamStatus ?? StatusCodes.Status400BadRequest;
            response.ContentType = "application/json";
            return response.Body.WriteAsync(Body).AsTask();
        }

        return ToApiError().WriteAsync(response);
    }
}
