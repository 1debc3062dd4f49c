using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gantry.Engine;
using Gantry.Hosting;
using Gantry.Metrics;
using Gantry.Security;
using Microsoft.AspNetCore.Http.Features;

namespace Gantry.Api.Inference;

/// <summary>
/// Serves <c>/v1/chat/completions</c> and <c>/v1/completions</c>: validates the request, tokenizes it, queues it on
/// the engine and writes the result as one JSON body or as server-sent events. Everything that can fail with a
/// status code is checked before the first byte is written; later failures are reported inside the stream.
/// </summary>
public sealed class InferenceHandler(
    ModelHost models,
    CompletionPublisher publisher,
    DrainCoordinator drain)
{
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] DoneEvent = "data: [DONE]\n\n"u8.ToArray();
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Text is written as UTF-8 rather than \u escapes, as OpenAI does; the writer still escapes quotes,
        // control characters and lone surrogates.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    /// <summary>Handles one request of the given kind; during a drain it returns 503 with code <c>draining</c>.</summary>
    public async Task HandleAsync(HttpContext context, EndpointKind kind)
    {
        if (!drain.TryEnter())
        {
            await WriteUnavailableAsync(context.Response,
                ApiError.Unavailable("The server is shutting down; retry the request on another replica.", "draining"));
            return;
        }

        try
        {
            await HandleAcceptedAsync(context, kind);
        }
        finally
        {
            drain.Exit();
        }
    }

    private async Task HandleAcceptedAsync(HttpContext context, EndpointKind kind)
    {
        var started = Stopwatch.GetTimestamp();
        var (request, error) = await ReadRequestAsync(context, kind);
        if (request is null)
        {
            await error!.WriteAsync(context.Response);
            return;
        }

        var admissions = context.RequestServices.GetServices<IInferenceAdmission>().ToArray();
        if (admissions.Select(a => a.CheckRequest(context, request)).FirstOrDefault(e => e is not null) is { } rejected)
        {
            await rejected.WriteAsync(context.Response);
            return;
        }

        var engine = models.Engine;
        if (!string.Equals(request.Model, models.ModelName, StringComparison.Ordinal))
        {
            await ApiError.NotFound($"The model '{Truncate(request.Model)}' does not exist; this server serves '{models.ModelName}'.",
                "model", "model_not_found").WriteAsync(context.Response);
            return;
        }

        if (engine is null)
        {
            await WriteUnavailableAsync(context.Response, models.State == ModelState.Failed
                ? ApiError.Unavailable($"The model failed to load: {models.FailureReason}", "model_load_failed")
                : ApiError.Unavailable("The model is loading; retry shortly.", "model_loading"));
            return;
        }

        var prompt = kind == EndpointKind.Chat ? engine.Formatter.Format(request.Messages!) : request.Prompt!;
        var tokens = engine.Tokenize(prompt, addBos: true);
        var maxTokens = request.MaxTokens ?? engine.ContextSize - tokens.Length;
        if (tokens.Length + maxTokens > engine.ContextSize || maxTokens < 1)
        {
            var param = kind == EndpointKind.Chat ? "messages" : "prompt";
            await ApiError.Invalid(
                $"This model's maximum context length is {engine.ContextSize} tokens. However, you requested "
                + $"{tokens.Length + Math.Max(maxTokens, 1)} tokens ({tokens.Length} in the {param}, {Math.Max(maxTokens, 1)} in the completion). "
                + "Please reduce the length of the prompt or of max_tokens.",
                param, "context_length_exceeded").WriteAsync(context.Response);
            return;
        }

        if (admissions.Select(a => a.CheckTokens(context, request, tokens.Length, maxTokens)).FirstOrDefault(e => e is not null)
            is { } overLimit)
        {
            await overLimit.WriteAsync(context.Response);
            return;
        }

        var generationRequest = new GenerationRequest(tokens, maxTokens, request.Stop, request.Sampling);
        if (!engine.TrySubmit(generationRequest, out var generation))
        {
            await WriteUnavailableAsync(context.Response,
                ApiError.Unavailable("The server is at capacity: every sequence is busy and the queue is full.", "queue_full"));
            return;
        }

        using var cancelOnAbort = context.RequestAborted.Register(generation.Cancel);
        var drainAbort = new DrainAbort(generation);
        using var cancelAtDeadline = drain.DeadlineReached.Register(drainAbort.Trigger);
        var id = (kind == EndpointKind.Chat ? "chatcmpl-" : "cmpl-") + Guid.NewGuid().ToString("N");
        var created = DateTimeOffset.UtcNow;
        var formatter = new ResponseFormatter(kind, id, created.ToUnixTimeSeconds(), models.ModelName, request.IncludeUsage);
        var exchange = new ExchangeState(id, kind, models.ModelName, created, request, started, drainAbort, context);
        if (request.Stream)
        {
            await StreamAsync(context, generation, formatter, exchange);
        }
        else
        {
            await RespondAsync(context, generation, formatter, exchange);
        }
    }

    private static async Task<(InferenceRequest? Request, ApiError? Error)> ReadRequestAsync(HttpContext context,
        EndpointKind kind)
    {
        if (!context.Request.HasJsonContentType())
        {
            return (null, new ApiError(StatusCodes.Status415UnsupportedMediaType,
                "The request body must be JSON: set 'Content-Type: application/json'.", "invalid_request_error", null,
                "unsupported_media_type"));
        }

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
        }
        catch (JsonException exception)
        {
            return (null, ApiError.Invalid(
                $"The request body is not valid JSON (line {exception.LineNumber + 1}, byte {exception.BytePositionInLine + 1}).",
                code: "invalid_json"));
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, PayloadTooLarge(context));
        }

        using (document)
        {
            ApiError? error;
            var request = kind == EndpointKind.Chat
                ? RequestParser.ParseChat(document.RootElement, out error)
                : RequestParser.ParseCompletion(document.RootElement, out error);
            return (request, error);
        }
    }

    /// <summary>The 413 error, naming the configured limit.</summary>
    public static ApiError PayloadTooLarge(HttpContext context)
    {
        var limit = context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
        return new ApiError(StatusCodes.Status413PayloadTooLarge,
            $"The request body is larger than the limit of {limit} bytes.", "invalid_request_error", null,
            "payload_too_large");
    }

    private static Task WriteUnavailableAsync(HttpResponse response, ApiError error)
    {
        response.Headers.RetryAfter = "1";
        return error.WriteAsync(response);
    }

    private async Task RespondAsync(HttpContext context, Generation generation, ResponseFormatter formatter,
        ExchangeState exchange)
    {
        var text = new StringBuilder();
        GenerationFinished? finished = null;
        await foreach (var item in generation.Events.ReadAllAsync(CancellationToken.None))
        {
            if (item is TextDelta delta)
            {
                text.Append(delta.Text);
            }
            else
            {
                finished = (GenerationFinished)item;
            }
        }

        var outcome = await CompleteAsync(exchange, text.ToString(), finished!);
        if (outcome is RequestOutcome.Aborted)
        {
            await WriteUnavailableAsync(context.Response, DrainDeadlineError);
            return;
        }

        if (finished!.Reason is FinishReason.Cancelled)
        {
            return;
        }

        if (finished.Reason is FinishReason.Error)
        {
            await ApiError.Internal(finished.Error ?? "Generation failed.").WriteAsync(context.Response);
            return;
        }

        context.Response.ContentType = "application/json";
        var buffer = new ArrayBufferWriter<byte>(1024 + text.Length * 2);
        await using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            formatter.WriteCompletion(writer, text.ToString(), finished.Reason, finished.Usage);
        }

        context.Response.ContentLength = buffer.WrittenCount;
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }

    private async Task StreamAsync(HttpContext context, Generation generation, ResponseFormatter formatter,
        ExchangeState exchange)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var body = response.BodyWriter;
        using var writer = new Utf8JsonWriter(body, WriterOptions);
        var text = new StringBuilder();
        var first = true;
        var aborted = context.RequestAborted;
        try
        {
            if (exchange.Kind == EndpointKind.Chat)
            {
                WriteEvent(body, writer, w => formatter.WriteDelta(w, string.Empty, first: true));
                first = false;
                await body.FlushAsync(aborted);
            }

            var reader = generation.Events;
            while (await reader.WaitToReadAsync(CancellationToken.None))
            {
                // Drain everything the engine produced since the last flush, then flush once: a slow client gets
                // fewer, larger writes instead of falling further behind.
                while (reader.TryRead(out var item))
                {
                    if (item is TextDelta delta)
                    {
                        text.Append(delta.Text);
                        WriteEvent(body, writer, w => formatter.WriteDelta(w, delta.Text, first));
                        first = false;
                        continue;
                    }

                    var finished = (GenerationFinished)item;
                    var outcome = await CompleteAsync(exchange, text.ToString(), finished);
                    if (outcome is RequestOutcome.Cancelled)
                    {
                        return;
                    }

                    if (finished.Reason is FinishReason.Error or FinishReason.Cancelled)
                    {
                        // Cancelled here means aborted at the drain deadline: the client gets an error event, not a cut.
                        var error = (outcome is RequestOutcome.Aborted
                            ? DrainDeadlineError
                            : ApiError.Internal(finished.Error ?? "Generation failed.")).ToBody();
                        WriteEvent(body, writer, w => JsonSerializer.Serialize(w, error, ApiJsonContext.Default.ApiErrorBody));
                    }
                    else
                    {
                        WriteEvent(body, writer, w => formatter.WriteFinish(w, finished.Reason, first));
                        if (exchange.Request.IncludeUsage)
                        {
                            WriteEvent(body, writer, w => formatter.WriteUsageChunk(w, finished.Usage));
                        }
                    }

                    body.Write(DoneEvent);
                }

                await body.FlushAsync(aborted);
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            generation.Cancel();
        }
    }

    private static void WriteEvent(IBufferWriter<byte> body, Utf8JsonWriter writer, Action<Utf8JsonWriter> write)
    {
        body.Write(DataPrefix);
        writer.Reset(body);
        write(writer);
        writer.Flush();
        body.Write(EventEnd);
    }

    private async Task<RequestOutcome> CompleteAsync(ExchangeState state, string text, GenerationFinished finished)
    {
        var exchange = new CompletedExchange(state.Id, state.Kind, state.Model, state.Created, state.Request, text,
            finished.Reason, finished.Usage, Stopwatch.GetElapsedTime(state.Started).TotalSeconds, finished.Error)
        {
            Tenant = state.Context.GetCaller().Tenant,
            KeyName = state.Context.GetCaller().KeyName,
        };
        var outcome = finished.Reason is FinishReason.Cancelled && state.DrainAbort.IsTriggered
            ? RequestOutcome.Aborted
            : RequestOutcomes.FromFinishReason(finished.Reason);
        await publisher.PublishAsync(state.Context, exchange, outcome);

        return outcome;
    }

    private static string Truncate(string value) => value.Length <= 100 ? value : value[..100] + "…";

    private static ApiError DrainDeadlineError => ApiError.Unavailable(
        "The server shut down before the generation finished: the drain timeout passed.", "draining");

    private sealed record ExchangeState(string Id, EndpointKind Kind, string Model, DateTimeOffset Created,
        InferenceRequest Request, long Started, DrainAbort DrainAbort, HttpContext Context);

    /// <summary>Cancels a generation at the drain deadline and remembers that the server, not the client, did.</summary>
    private sealed class DrainAbort(Generation generation)
    {
        private int _triggered;

        public bool IsTriggered => Volatile.Read(ref _triggered) != 0;

        public void Trigger()
        {
            Volatile.Write(ref _triggered, 1);
            generation.Cancel();
        }
    }
}
