using System.Buffers;
using System.Text;
using System.Text.Json;
using Gantry.Api;
using Gantry.Engine;
using Gantry.Metrics;
using Microsoft.AspNetCore.Http.Features;

namespace Gantry.Upstream;

public sealed partial class UpstreamHandler
{
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] DoneEvent = "data: [DONE]\n\n"u8.ToArray();

    /// <summary>
    /// Passes the upstream's events on one at a time as they arrive, flushing after each. Events after the one
    /// that ends the generation are held back until the completion sinks have run, so a sink that persists the
    /// exchange finishes before the client sees the end. A failure after the first event becomes an error event
    /// followed by <c>[DONE]</c>, because the 200 status has already gone out.
    /// </summary>
    private async Task StreamAsync(HttpContext context, UpstreamReply reply, UpstreamExchange exchange)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        var aborted = exchange.Cancellation;
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        var deferred = new List<byte[]>();
        var sawDone = false;
        UpstreamFailure? failure = null;
        try
        {
            var data = reply.FirstEvent;
            while (data is not null)
            {
                if (data == "[DONE]")
                {
                    sawDone = true;
                    break;
                }

                var payload = ConvertEvent(data, exchange);
                if (payload is not null && exchange.Ended)
                {
                    deferred.Add(payload);
                }
                else if (payload is not null)
                {
                    WriteEvent(response.BodyWriter, payload);
                    await response.BodyWriter.FlushAsync(aborted);
                }

                idle.CancelAfter(_idleTimeout);
                data = await reply.Events!.ReadEventAsync(idle.Token);
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            if (context.RequestAborted.IsCancellationRequested)
            {
                Log.ClientDisconnected(logger, exchange.Id ?? "");
            }

            if (await CompleteAsync(exchange, FinishReason.Cancelled, null) == RequestOutcome.Aborted)
            {
                // The drain deadline passed while the client still listens: it gets an error event, not a cut.
                var error = JsonSerializer.SerializeToUtf8Bytes(DrainDeadlineError.ToBody(),
                    ApiJsonContext.Default.ApiErrorBody);
                WriteEvent(response.BodyWriter, error);
                response.BodyWriter.Write(DoneEvent);
                await response.BodyWriter.FlushAsync(context.RequestAborted);
            }

            return;
        }
        catch (OperationCanceledException)
        {
            failure = new UpstreamFailure(UpstreamFailureKind.Timeout,
                $"The upstream sent no event for {_idleTimeout.TotalSeconds:0.###} s.");
        }
        catch (Exception exception) when (exception is UpstreamProtocolException or JsonException)
        {
            failure = new UpstreamFailure(UpstreamFailureKind.BadGateway,
                $"The upstream sent an invalid stream: {exception.Message}");
        }
        catch (Exception exception) when (exception is IOException or HttpRequestException)
        {
            failure = new UpstreamFailure(UpstreamFailureKind.BadGateway,
                "The upstream closed the connection in the middle of the stream.");
        }

        // Without [DONE], a stream is complete only if a choice already carried its finish reason.
        if (failure is null && !sawDone && !exchange.Ended)
        {
            failure = new UpstreamFailure(UpstreamFailureKind.BadGateway,
                "The upstream ended the stream before the generation finished.");
        }

        await FinishStreamAsync(response, exchange, deferred, failure, aborted);
    }

    private async Task FinishStreamAsync(HttpResponse response, UpstreamExchange exchange, List<byte[]> deferred,
        UpstreamFailure? failure, CancellationToken aborted)
    {
        if (failure is not null)
        {
            Log.StreamFailed(logger, exchange.Id ?? "", failure.Message);
            await CompleteAsync(exchange, FinishReason.Error, failure.Message);
        }
        else if (exchange.Error is not null)
        {
            await CompleteAsync(exchange, FinishReason.Error, exchange.Error);
        }
        else
        {
            await CompleteAsync(exchange, UpstreamCompletion.ToFinishReason(exchange.FinishReason), null);
        }

        foreach (var payload in deferred)
        {
            WriteEvent(response.BodyWriter, payload);
        }

        if (failure is not null)
        {
            var error = JsonSerializer.SerializeToUtf8Bytes(failure.ToApiError().ToBody(),
                ApiJsonContext.Default.ApiErrorBody);
            WriteEvent(response.BodyWriter, error);
        }

        response.BodyWriter.Write(DoneEvent);
        try
        {
            await response.BodyWriter.FlushAsync(aborted);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Records what one upstream event adds to the exchange and returns the bytes the client gets for it, or null
    /// when the client gets nothing: the usage chunk that only Gantry asked for.
    /// </summary>
    private byte[]? ConvertEvent(string data, UpstreamExchange exchange)
    {
        using var document = JsonDocument.Parse(data);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new UpstreamProtocolException("An event of the upstream's stream is not a JSON object.");
        }

        if (UpstreamCompletion.GetError(root) is { } error)
        {
            exchange.Error = error;
            return Encoding.UTF8.GetBytes(data.ReplaceLineEndings(" "));
        }

        exchange.Id ??= UpstreamCompletion.GetId(root);
        var usage = UpstreamCompletion.GetUsage(root);
        exchange.Usage = usage ?? exchange.Usage;
        var hasChoice = UpstreamCompletion.TryGetChoice(root, out var text, out var finishReason);
        if (!string.IsNullOrEmpty(text))
        {
            exchange.AddContent(text);
        }

        exchange.FinishReason = finishReason ?? exchange.FinishReason;
        var removeUsage = !exchange.Request.IncludeUsage;
        if (!hasChoice && usage is not null && removeUsage)
        {
            return null;
        }

        // A multi-line data field cannot be sent as one data line unchanged, so it is written out again.
        if (!data.Contains('\n') && !UpstreamCompletion.NeedsRewrite(root, _modelName, removeUsage))
        {
            return Encoding.UTF8.GetBytes(data);
        }

        var buffer = new ArrayBufferWriter<byte>(data.Length + 64);
        UpstreamCompletion.Write(buffer, root, _modelName, removeUsage);
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteEvent(IBufferWriter<byte> body, byte[] payload)
    {
        body.Write(DataPrefix);
        body.Write(payload);
        body.Write(EventEnd);
    }
}
