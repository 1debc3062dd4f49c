using System.Text.Json.Serialization;

namespace Gantry.Api;

/// <summary>
/// An error in the OpenAI envelope, <c>{"error": {"message", "type", "param", "code"}}</c>, together with
/// the HTTP status it is sent with. Every route under <c>/v1</c> reports failures in this shape.
/// </summary>
public sealed record ApiError(int Status, string Message, string Type, string? Param = null, string? Code = null)
{
    /// <summary>A 400 for a malformed or invalid field; <paramref name="param"/> names the field.</summary>
    public static ApiError Invalid(string message, string? param = null, string code = "invalid_value") =>
        new(StatusCodes.Status400BadRequest, message, "invalid_request_error", param, code);

    /// <summary>A 404 for a model, completion or feedback id that does not exist.</summary>
    public static ApiError NotFound(string message, string? param = null, string code = "not_found") =>
        new(StatusCodes.Status404NotFound, message, "invalid_request_error", param, code);

    /// <summary>A 503 for a server that cannot take the request now (full queue, model loading, draining).</summary>
    public static ApiError Unavailable(string message, string code) =>
        new(StatusCodes.Status503ServiceUnavailable, message, "server_error", null, code);

    /// <summary>A 500 for a failure inside the server.</summary>
    public static ApiError Internal(string message) =>
        new(StatusCodes.Status500InternalServerError, message, "server_error", null, "internal_error");

    /// <summary>The JSON body of this error.</summary>
    public ApiErrorBody ToBody() => new(new ApiErrorDetail(Message, Type, Param, Code));

    /// <summary>An <see cref="IResult"/> that writes this error with its status.</summary>
    public IResult ToResult() => Results.Json(ToBody(), ApiJsonContext.Default.ApiErrorBody, statusCode: Status);

    /// <summary>Writes this error to a response that has not started yet.</summary>
    public Task WriteAsync(HttpResponse response)
    {
        response.StatusCode = Status;
        return response.WriteAsJsonAsync(ToBody(), ApiJsonContext.Default.ApiErrorBody);
    }
}

/// <summary>The top-level error object, <c>{"error": {...}}</c>.</summary>
public sealed record ApiErrorBody([property: JsonPropertyName("error")] ApiErrorDetail Error);

/// <summary>The fields of an OpenAI error.</summary>
public sealed record ApiErrorDetail(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("param")] string? Param,
    [property: JsonPropertyName("code")] string? Code);
