using Gantry.Api;

namespace Gantry.Security;

/// <summary>The errors of access control and limits, in the OpenAI shape.</summary>
public static class AccessErrors
{
    /// <summary>401: no key, a malformed Authorization header, or a key that is not configured.</summary>
    public static ApiError InvalidKey(bool sent) => new(StatusCodes.Status401Unauthorized,
        sent
            ? "Incorrect API key provided. Send a configured key as 'Authorization: Bearer KEY'."
            : "No API key provided. Send a key as 'Authorization: Bearer KEY'.",
        "invalid_request_error", null, "invalid_api_key");

    /// <summary>403: a valid key without the scope the route needs.</summary>
    public static ApiError MissingScope(string scope) => new(StatusCodes.Status403Forbidden,
        $"This API key does not have the '{scope}' scope that this route needs.",
        "invalid_request_error", null, "insufficient_scope");

    /// <summary>429 for a caller over its request or token rate.</summary>
    public static ApiError RateLimited(string what) => new(StatusCodes.Status429TooManyRequests,
        $"Rate limit exceeded: too many {what} per minute for this API key. Retry after the time in 'Retry-After'.",
        "requests", null, "rate_limit_exceeded");

    /// <summary>504 for a request that ran past its time limit.</summary>
    public static ApiError Timeout(double seconds) => new(StatusCodes.Status504GatewayTimeout,
        $"The request took longer than the limit of {seconds:0.###} seconds and was stopped.",
        "server_error", null, "request_timeout");
}
