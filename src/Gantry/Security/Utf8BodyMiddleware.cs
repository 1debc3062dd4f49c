using System.Text.Json;
using System.Text.Unicode;
using Gantry.Api;

namespace Gantry.Security;

/// <summary>
/// Rejects a JSON request body under <c>/v1</c> that is not valid UTF-8, or that escapes a lone UTF-16 surrogate
/// (<c>"\ud800"</c>), with a 400. System.Text.Json parses both without complaint and throws only when a handler
/// reads the broken string, which would surface as a 500. The body is read into memory once, which the request
/// body size limit bounds, and handed on from there. Syntax errors are left to the handler, which reports them.
/// </summary>
public sealed class Utf8BodyMiddleware(RequestDelegate next)
{
    /// <summary>Handles one request.</summary>
    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!request.Path.StartsWithSegments("/v1", StringComparison.OrdinalIgnoreCase) || !request.HasJsonContentType()
            || request.ContentLength == 0)
        {
            await next(context);
            return;
        }

        var buffer = new MemoryStream(request.ContentLength is { } length and < 1024 * 1024 ? (int)length : 16 * 1024);
        await request.Body.CopyToAsync(buffer, context.RequestAborted);
        var body = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        if (!Utf8.IsValid(body.Span))
        {
            await ApiError.Invalid("The request body is not valid UTF-8.", code: "invalid_json").WriteAsync(context.Response);
            return;
        }

        if (HasInvalidEscape(body.Span))
        {
            await ApiError.Invalid(
                "The request body escapes a lone UTF-16 surrogate such as \\ud800, which does not encode text.",
                code: "invalid_json").WriteAsync(context.Response);
            return;
        }

        buffer.Position = 0;
        var original = request.Body;
        request.Body = buffer;
        try
        {
            await next(context);
        }
        finally
        {
            request.Body = original;
        }
    }

    /// <summary>Whether a string or property name in <paramref name="json"/> has an escape that cannot be decoded.</summary>
    private static bool HasInvalidEscape(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped)
                {
                    try
                    {
                        reader.GetString();
                    }
                    catch (InvalidOperationException)
                    {
                        return true;
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Malformed JSON: the handler's parser reports where.
        }

        return false;
    }
}
