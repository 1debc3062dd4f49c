using System.Buffers;
using System.Text.Json;
using Gantry.Api;
using Gantry.Api.Inference;
using Gantry.Engine;
using Gantry.Hosting;
using Gantry.Metrics;
using Gantry.Options;
using Microsoft.Extensions.Options;

namespace Gantry.Upstream;

/// <summary>
/// Serves <c>/v1/chat/completions</c> and <c>/v1/completions</c> in upstream mode. The request is validated by
/// the same <see cref="RequestParser"/> as in-process inference, so invalid input gets the same 400 without
/// reaching the upstream. Then the body is forwarded with <c>model</c> rewritten, and the response is passed back
/// with <c>model</c> set to the client-facing id. Every finished request goes to the completion sinks, as in
/// <see cref="InferenceHandler"/>.
/// </summary>
public sealed partial class UpstreamHandler(
    UpstreamClient client,
    IOptions<GantryOptions> options,
    CompletionPublisher publisher,
    DrainCoordinator drain,
    ILogger<UpstreamHandler> logger)
{
    private readonly string _modelName = options.Value.GetModelName();
    private readonly TimeSpan _idleTimeout = TimeSpan.FromSeconds(options.Value.UpstreamFirstByteTimeout);

    /// <summary>Handles one request of the given kind; during a drain it returns 503 with code <c>draining</c>.</summary>
    public async Task HandleAsync(HttpContext context, EndpointKind kind)
    {
        if (!drain.TryEnter())
        {
            context.Response.Headers.RetryAfter = "1";
            await ApiError.Unavailable("The server is shutting down; retry the request on another replica.", "draining")
                .WriteAsync(context.Response);
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
        var (document, request, error) = await ReadRequestAsync(context, kind);
        if (document is null || request is null)
        {
            await error!.WriteAsync(context.Response);
            return;
        }

        byte[] body;
        using (document)
        {
            if (!string.Equals(request.Model, _modelName, StringComparison.Ordinal))
            {
                await ApiError.NotFound(
                    $"The model '{Truncate(request.Model)}' does not exist; this server serves '{_modelName}'.",
                    "model", "model_not_found").WriteAsync(context.Response);
                return;
            }

            body = UpstreamRequestBody.Build(document.RootElement, client.UpstreamModel, request.Stream);
        }

        if (CheckAdmission(context, request) is { } rejected)
        {
            await rejected.WriteAsync(context.Response);
            return;
        }

        // The upstream call ends when the client leaves or when the drain deadline passes, whichever comes first.
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted,
            drain.DeadlineReached);
        var exchange = new UpstreamExchange(kind, _modelName, request, context, cancellation.Token);
        UpstreamReply reply;
        try
        {
            reply = await client.SendAsync(kind, body, request.Stream, exchange.Cancellation);
        }
        catch (OperationCanceledException) when (exchange.Cancellation.IsCancellationRequested)
        {
            if (await CompleteAsync(exchange, FinishReason.Cancelled, null) == RequestOutcome.Aborted)
            {
                context.Response.Headers.RetryAfter = "1";
                await DrainDeadlineError.WriteAsync(context.Response);
            }

            return;
        }

        using (reply)
        {
            if (reply.Failure is { } failure)
            {
                await FailAsync(context, exchange, failure);
            }
            else if (request.Stream)
            {
                await StreamAsync(context, reply, exchange);
            }
            else
            {
                await RespondAsync(context, reply.Body!.RootElement, exchange);
            }
        }
    }

    /// <summary>
    /// Applies the inference limits as in-process inference does. The upstream tokenizes, so the prompt size is
    /// estimated at four UTF-8 bytes per token, and a request without <c>max_tokens</c> counts only its prompt.
    /// </summary>
    private static ApiError? CheckAdmission(HttpContext context, InferenceRequest request)
    {
        var admissions = context.RequestServices.GetServices<IInferenceAdmission>().ToArray();
        if (admissions.Select(a => a.CheckRequest(context, request)).FirstOrDefault(e => e is not null) is { } rejected)
        {
            return rejected;
        }

        // NOTE: an estimate; the upstream's tokenizer may count differently, so --max-prompt-tokens and the token
        // rate limit are approximate in upstream mode.
        var text = request.Prompt ?? string.Concat(request.Messages!.Select(m => m.Content));
        var estimatedPromptTokens = System.Text.Encoding.UTF8.GetByteCount(text) / 4;
        return admissions.Select(a => a.CheckTokens(context, request, estimatedPromptTokens, request.MaxTokens ?? 0))
            .FirstOrDefault(e => e is not null);
    }

    /// <summary>
    /// Sends a failure that happened before any output. Only failures of a request the upstream had accepted (a
    /// 5xx, invalid output, a dropped connection, a timeout) reach the completion sinks, as engine errors do in
    /// process. A refused connection, an open circuit or a 4xx never started a generation, like a full queue.
    /// </summary>
    private async Task FailAsync(HttpContext context, UpstreamExchange exchange, UpstreamFailure failure)
    {
        if (failure.Kind == UpstreamFailureKind.Rejected)
        {
            Log.Rejected(logger, failure.UpstreamStatus ?? 0);
        }
        else
        {
            Log.Failed(logger, failure.Kind.ToString(), failure.Message);
        }

        if (failure.Kind is UpstreamFailureKind.BadGateway or UpstreamFailureKind.Timeout)
        {
            await CompleteAsync(exchange, FinishReason.Error, failure.Message);
        }

        await failure.WriteAsync(context.Response);
    }

    private async Task RespondAsync(HttpContext context, JsonElement root, UpstreamExchange exchange)
    {
        exchange.Id = UpstreamCompletion.GetId(root);
        if (!UpstreamCompletion.TryGetChoice(root, out var text, out var finishReason))
        {
            var failure = new UpstreamFailure(UpstreamFailureKind.BadGateway,
                "The upstream sent a completion without choices.");
            await FailAsync(context, exchange, failure);
            return;
        }

        exchange.SetWholeText(text ?? string.Empty);
        exchange.Usage = UpstreamCompletion.GetUsage(root);
        await CompleteAsync(exchange, UpstreamCompletion.ToFinishReason(finishReason), null);

        var buffer = new ArrayBufferWriter<byte>(4096);
        UpstreamCompletion.Write(buffer, root, _modelName, removeUsage: false);
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = buffer.WrittenCount;
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }

    /// <summary>
    /// Publishes the finished exchange to the metrics, the request's log line and the completion sinks. Returns the outcome, which is <see cref="RequestOutcome.Aborted"/> for a generation that
    /// the drain deadline cancelled.
    /// </summary>
    private async Task<RequestOutcome> CompleteAsync(UpstreamExchange state, FinishReason reason, string? error)
    {
        var exchange = state.ToCompleted(reason, error);
        var outcome = reason == FinishReason.Cancelled && !state.Context.RequestAborted.IsCancellationRequested
            && drain.DeadlineReached.IsCancellationRequested
                ? RequestOutcome.Aborted
                : RequestOutcomes.FromFinishReason(reason);
        await publisher.PublishAsync(state.Context, exchange, outcome);

        return outcome;
    }

    private static ApiError DrainDeadlineError => ApiError.Unavailable(
        "The server shut down before the generation finished: the drain timeout passed.", "draining");

    private static async Task<(JsonDocument? Document, InferenceRequest? Request, ApiError? Error)> ReadRequestAsync(
        HttpContext context, EndpointKind kind)
    {
        if (!context.Request.HasJsonContentType())
        {
            return (null, null, new ApiError(StatusCodes.Status415UnsupportedMediaType,
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
            return (null, null, ApiError.Invalid(
                $"The request body is not valid JSON (line {exception.LineNumber + 1}, byte {exception.BytePositionInLine + 1}).",
                code: "invalid_json"));
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, null, InferenceHandler.PayloadTooLarge(context));
        }

        ApiError? error;
        var request = kind == EndpointKind.Chat
            ? RequestParser.ParseChat(document.RootElement, out error)
            : RequestParser.ParseCompletion(document.RootElement, out error);
        if (request is null)
        {
            document.Dispose();
            return (null, null, error);
        }

        return (document, request, null);
    }

    private static string Truncate(string value) => value.Length <= 100 ? value : value[..100] + "…";
}
