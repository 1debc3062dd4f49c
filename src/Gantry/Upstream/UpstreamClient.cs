using System.Net.Http.Headers;
using System.Text.Json;
using Gantry.Api.Inference;
using Gantry.Options;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace Gantry.Upstream;

/// <summary>
/// Sends inference requests to the upstream server through one resilience pipeline. Outermost first, it has
/// retries (a refused connection, a 502 or a 503), a circuit breaker over all upstream faults, and a timeout per
/// attempt that runs until the first byte of output. Every step of the pipeline ends before the client has received a
/// byte, so a retry can never repeat output the client already has. Thread safe.
/// </summary>
public sealed partial class UpstreamClient : IDisposable
{
    /// <summary>Largest upstream body read whole: a non-streamed completion or an error body.</summary>
    public const int MaxBodyBytes = 16 * 1024 * 1024;

    private const int MaxErrorBodyBytes = 64 * 1024;
    private static readonly MediaTypeHeaderValue JsonMediaType = new("application/json");
    private readonly HttpClient _http;
    private readonly Uri _baseAddress;
    private readonly ResiliencePipeline<UpstreamReply> _pipeline;
    private readonly ILogger<UpstreamClient> _logger;

    /// <summary>Creates the client from the upstream settings.</summary>
    public UpstreamClient(IOptions<GantryOptions> options, ILogger<UpstreamClient> logger)
        : this(options.Value, TimeProvider.System, logger)
    {
    }

    /// <summary>Creates the client with a clock for the retry delays, the circuit breaker and the timeouts.</summary>
    public UpstreamClient(GantryOptions options, TimeProvider timeProvider, ILogger<UpstreamClient> logger)
    {
        _logger = logger;
        _baseAddress = options.GetUpstreamBaseAddress()
            ?? throw new ArgumentException("Upstream mode needs a valid Upstream URL.", nameof(options));
        UpstreamModel = options.UpstreamModel!;
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(options.UpstreamConnectTimeout),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AutomaticDecompression = System.Net.DecompressionMethods.None,
        };
        _http = new HttpClient(handler) { BaseAddress = _baseAddress, Timeout = Timeout.InfiniteTimeSpan };
        if (!string.IsNullOrEmpty(options.UpstreamApiKey))
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.UpstreamApiKey);
        }

        _pipeline = BuildPipeline(options, timeProvider);
    }

    /// <summary>The model id the upstream serves.</summary>
    public string UpstreamModel { get; }

    /// <summary>The upstream base address, ending in a slash.</summary>
    public Uri BaseAddress => _baseAddress;

    /// <summary>The underlying client, for the health monitor; it has no timeout of its own.</summary>
    public HttpClient Http => _http;

    /// <summary>
    /// Sends one request body and waits for the first event of a stream or the whole non-streamed body. Returns
    /// a failure instead of throwing for every upstream fault; throws <see cref="OperationCanceledException"/>
    /// only when <paramref name="cancellationToken"/> (the client's disconnect) fires.
    /// </summary>
    public async Task<UpstreamReply> SendAsync(EndpointKind kind, byte[] body, bool stream,
        CancellationToken cancellationToken)
    {
        var path = kind == EndpointKind.Chat ? "v1/chat/completions" : "v1/completions";
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        try
        {
            return await _pipeline.ExecuteAsync(
                static (context, state) => state.Client.AttemptAsync(state.Path, state.Body, state.Stream,
                    context.CancellationToken),
                context, new AttemptState(this, path, body, stream));
        }
        catch (BrokenCircuitException exception)
        {
            return UpstreamReply.Failed(new UpstreamFailure(UpstreamFailureKind.CircuitOpen,
                "The upstream is failing and the circuit breaker is open; retry later.",
                RetryAfter: exception.RetryAfter ?? TimeSpan.FromSeconds(1)));
        }
        catch (TimeoutRejectedException exception)
        {
            return UpstreamReply.Failed(new UpstreamFailure(UpstreamFailureKind.Timeout,
                $"The upstream sent no output within {exception.Timeout.TotalSeconds:0.###} s."));
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    private ResiliencePipeline<UpstreamReply> BuildPipeline(GantryOptions options, TimeProvider timeProvider)
    {
        var builder = new ResiliencePipelineBuilder<UpstreamReply> { TimeProvider = timeProvider };
        if (options.UpstreamRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<UpstreamReply>
            {
                MaxRetryAttempts = options.UpstreamRetries,
                BackoffType = DelayBackoffType.Exponential,
                Delay = TimeSpan.FromMilliseconds(100),
                UseJitter = true,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result?.Failure?.IsRetryable == true),
                OnRetry = args =>
                {
                    var failure = args.Outcome.Result?.Failure;
                    Log.Retrying(_logger, args.AttemptNumber + 1, args.RetryDelay.TotalMilliseconds,
                        failure?.Message ?? "unknown failure");
                    return ValueTask.CompletedTask;
                },
            });
        }

        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions<UpstreamReply>
        {
            FailureRatio = 0.5,
            SamplingDuration = TimeSpan.FromSeconds(30),
            MinimumThroughput = options.UpstreamCircuitMinimumThroughput,
            BreakDuration = TimeSpan.FromSeconds(options.UpstreamCircuitBreakDuration),
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is TimeoutRejectedException
                || args.Outcome.Result?.Failure?.IsUpstreamFault == true),
            OnOpened = args =>
            {
                Log.CircuitOpened(_logger, args.BreakDuration.TotalSeconds);
                return ValueTask.CompletedTask;
            },
            OnClosed = _ =>
            {
                Log.CircuitClosed(_logger);
                return ValueTask.CompletedTask;
            },
        });
        builder.AddTimeout(new TimeoutStrategyOptions
        {
            Timeout = TimeSpan.FromSeconds(options.UpstreamFirstByteTimeout),
            OnTimeout = args =>
            {
                Log.FirstByteTimedOut(_logger, args.Timeout.TotalSeconds);
                return ValueTask.CompletedTask;
            },
        });
        return builder.Build();
    }

    private async ValueTask<UpstreamReply> AttemptAsync(string path, byte[] body, bool stream,
        CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = JsonMediaType;
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(stream ? "text/event-stream" : "application/json"));
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (Exception exception) when (ToConnectFailure(exception, cancellationToken) is { } failure)
        {
            Log.AttemptFailed(_logger, failure.Message, exception);
            return UpstreamReply.Failed(failure);
        }

        try
        {
            if (!response.IsSuccessStatusCode)
            {
                var failure = await ReadStatusFailureAsync(response, cancellationToken);
                response.Dispose();
                return UpstreamReply.Failed(failure);
            }

            return stream
                ? await ReadFirstEventAsync(response, cancellationToken)
                : await ReadBodyAsync(response, cancellationToken);
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException or UpstreamProtocolException
            or JsonException && !cancellationToken.IsCancellationRequested)
        {
            response.Dispose();
            var message = exception is UpstreamProtocolException or JsonException
                ? $"The upstream sent an invalid response: {exception.Message}"
                : "The upstream closed the connection before sending any output.";
            Log.AttemptFailed(_logger, message, exception);
            return UpstreamReply.Failed(new UpstreamFailure(UpstreamFailureKind.BadGateway, message));
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private static UpstreamFailure? ToConnectFailure(Exception exception, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return null;
        }

        // SocketsHttpHandler reports its ConnectTimeout as a cancellation whose inner exception is a TimeoutException.
        if (exception is OperationCanceledException { InnerException: TimeoutException }
            || exception is HttpRequestException { InnerException: TimeoutException })
        {
            return new UpstreamFailure(UpstreamFailureKind.Timeout, "Connecting to the upstream timed out.");
        }

        if (exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError })
        {
            return new UpstreamFailure(UpstreamFailureKind.Unavailable,
                "The upstream refused the connection or could not be reached.", RetryAfter: TimeSpan.FromSeconds(1));
        }

        return exception is HttpRequestException or IOException
            ? new UpstreamFailure(UpstreamFailureKind.BadGateway,
                "The upstream closed the connection before sending any output.")
            : null;
    }

    private static async Task<UpstreamFailure> ReadStatusFailureAsync(HttpResponseMessage response,
        CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var body = await ReadLimitedAsync(response, MaxErrorBodyBytes, cancellationToken);
        var upstreamMessage = TryGetErrorMessage(body);
        var detail = upstreamMessage is null ? string.Empty : $": {upstreamMessage}";
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            var retryAfter = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
            return new UpstreamFailure(UpstreamFailureKind.Unavailable, $"The upstream is unavailable (503){detail}",
                status, retryAfter);
        }

        if (status is StatusCodes.Status400BadRequest or StatusCodes.Status413PayloadTooLarge
            or StatusCodes.Status422UnprocessableEntity or StatusCodes.Status429TooManyRequests
            && upstreamMessage is not null)
        {
            return new UpstreamFailure(UpstreamFailureKind.Rejected, upstreamMessage, status, Body: body);
        }

        return new UpstreamFailure(UpstreamFailureKind.BadGateway, $"The upstream failed with status {status}{detail}",
            status);
    }

    private static async Task<UpstreamReply> ReadFirstEventAsync(HttpResponseMessage response,
        CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentType?.MediaType != "text/event-stream")
        {
            throw new UpstreamProtocolException(
                $"The upstream answered a streamed request with '{response.Content.Headers.ContentType?.MediaType}' "
                + "instead of 'text/event-stream'.");
        }

        var events = new ServerSentEventReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        try
        {
            var first = await events.ReadEventAsync(cancellationToken)
                ?? throw new IOException("The upstream ended the stream before its first event.");
            return UpstreamReply.Streaming(response, events, first);
        }
        catch
        {
            events.Dispose();
            throw;
        }
    }

    private static async Task<UpstreamReply> ReadBodyAsync(HttpResponseMessage response,
        CancellationToken cancellationToken)
    {
        var body = await ReadLimitedAsync(response, MaxBodyBytes, cancellationToken);
        response.Dispose();
        var document = JsonDocument.Parse(body);
        if (document.RootElement.ValueKind != JsonValueKind.Object
            || !document.RootElement.TryGetProperty("choices", out var choices)
            || choices.ValueKind != JsonValueKind.Array)
        {
            document.Dispose();
            throw new UpstreamProtocolException("The response body is not a completion object with 'choices'.");
        }

        return UpstreamReply.Complete(document);
    }

    private static async Task<byte[]> ReadLimitedAsync(HttpResponseMessage response, int limit,
        CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                throw new UpstreamProtocolException($"The upstream's response body is larger than {limit} bytes.");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static string? TryGetErrorMessage(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out var error)
                && error.ValueKind == JsonValueKind.Object
                && error.TryGetProperty("message", out var message)
                && message.ValueKind == JsonValueKind.String
                    ? message.GetString()
                    : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed record AttemptState(UpstreamClient Client, string Path, byte[] Body, bool Stream);
}
