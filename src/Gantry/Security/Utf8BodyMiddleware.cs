using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;
using Gantry.Api;
using Microsoft.AspNetCore.Http.Features;

namespace Gantry.Security;

/// <summary>
/// Rejects a JSON request body under <c>/v1</c> that is not valid UTF-8, or that escapes a lone UTF-16 surrogate
/// (<c>"\ud800"</c>), with a 400. System.Text.Json parses both without complaint and throws only when a handler
/// reads the broken string, which would surface as a 500. The body is read into memory once, which the request
/// body size limit bounds, and handed on from there. Syntax errors are left to the handler, which reports them.
/// </summary>
public sealed class Utf8BodyMiddleware(RequestDelegate next)
{
    /// <summary>Largest body read into an array from the shared pool.</summary>
    private const int MaxPooledBytes = 1024 * 1024;

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

        var (buffer, length, pooled) = await ReadBodyAsync(context);
        try
        {
            var body = buffer.AsMemory(0, length);
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

            var original = request.Body;
            request.Body = new MemoryStream(buffer, 0, length, writable: false);
            try
            {
                await next(context);
            }
            finally
            {
                request.Body = original;
            }
        }
        finally
        {
            if (pooled)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>
    /// Reads the whole body into one array sized from Content-Length when the request sends one, so a large body
    /// costs one allocation rather than a chain of growing copies. Bodies up to <see cref="MaxPooledBytes"/> use
    /// pooled arrays; larger ones get their own, because the shared pool would keep them alive after the request.
    /// Kestrel's body size limit ends the read.
    /// </summary>
    private static async Task<(byte[] Buffer, int Length, bool Pooled)> ReadBodyAsync(HttpContext context)
    {
        var limit = context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize ?? int.MaxValue;
        var expected = context.Request.ContentLength is { } contentLength && contentLength <= limit ? contentLength : 16 * 1024;
        var size = (int)Math.Min(expected + 1, Array.MaxLength);
        var pooled = size <= MaxPooledBytes;
        var buffer = pooled ? ArrayPool<byte>.Shared.Rent(size) : new byte[size];
        var length = 0;
        try
        {
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer.AsMemory(length), context.RequestAborted)) > 0)
            {
                length += read;
                if (length == buffer.Length)
                {
                    var larger = new byte[Math.Min((long)buffer.Length * 2, Array.MaxLength)];
                    buffer.AsSpan(0, length).CopyTo(larger);
                    if (pooled)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        pooled = false;
                    }

                    buffer = larger;
                }
            }
        }
        catch
        {
            if (pooled)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            throw;
        }

        return (buffer, length, pooled);
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
