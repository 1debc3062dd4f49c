using System.Buffers;
using System.Net.Http.Headers;

namespace Gantry.Bench;

/// <summary>
/// Sends one streamed request and measures it. The clock is <see cref="TimeProvider.GetTimestamp"/>,
/// read as seconds since <c>origin</c>. Failures become a <see cref="RequestResult"/>, never an exception.
/// Thread-safe: one instance serves all concurrent requests of a run.
/// </summary>
public sealed class RequestSender
{
    private const int ReadBufferBytes = 16 * 1024;
    private static readonly MediaTypeHeaderValue s_json = new("application/json");

    private readonly HttpClient _client;
    private readonly HttpClient _retryClient;
    private readonly Uri _url;
    private readonly BenchTarget _target;
    private readonly string _model;
    private readonly BenchEndpoint _endpoint;
    private readonly int _maxTokens;
    private readonly double? _temperature;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    private readonly long _origin;

    /// <summary>
    /// Creates a sender for <paramref name="target"/> whose model name is already resolved.
    /// <paramref name="retryClient"/> must open a new connection for every request.
    /// </summary>
    public RequestSender(
        HttpClient client, HttpClient retryClient, BenchTarget target, string model, BenchOptions options, TimeProvider time, long origin)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(retryClient);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _client = client;
        _retryClient = retryClient;
        _target = target;
        _model = model;
        _endpoint = options.Endpoint;
        _url = target.RouteUrl(options.Endpoint == BenchEndpoint.Chat ? "chat/completions" : "completions");
        _maxTokens = options.MaxTokens;
        _temperature = options.Temperature;
        _timeout = TimeSpan.FromSeconds(options.TimeoutSeconds);
        _time = time;
        _origin = origin;
    }

    /// <summary>Seconds since the run's origin.</summary>
    public double Now() => _time.GetElapsedTime(_origin).TotalSeconds;

    /// <summary>
    /// Sends <paramref name="prompt"/> and reads the whole stream. Cancelling <paramref name="cancellationToken"/>
    /// aborts the request and yields <see cref="RequestOutcome.Cancelled"/>.
    /// </summary>
    public async Task<RequestResult> SendAsync(string prompt, CancellationToken cancellationToken)
    {
        var body = RequestBodyBuilder.Build(_endpoint, _model, prompt, _maxTokens, _temperature);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        var start = Now();
        try
        {
            try
            {
                return await SendOnceAsync(_client, body, start, timeout.Token);
            }
            catch (HttpRequestException exception) when (exception.HttpRequestError == HttpRequestError.ResponseEnded
                && !timeout.IsCancellationRequested)
            {
                // The connection closed before any response byte: a server that closes a kept-alive connection
                // after a streamed response (llama.cpp's server does) raced the reuse of that connection. The
                // server never read the request, so it is sent once more, on a new connection, because another
                // pooled one may be just as dead. The time of the failed attempt stays in the figures.
                var result = await SendOnceAsync(_retryClient, body, start, timeout.Token);
                result.Retried = true;
                return result;
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or HttpRequestException or IOException)
        {
            // Aborting a request can surface as any of these, so the tokens decide which one happened.
            if (cancellationToken.IsCancellationRequested)
            {
                return Failure(RequestOutcome.Cancelled, null, "cancelled", start);
            }

            if (timeout.IsCancellationRequested)
            {
                return Failure(RequestOutcome.Timeout, "timeout", $"no complete response within {_timeout.TotalSeconds} s", start);
            }

            return Failure(RequestOutcome.ConnectionError, "connection", DescribeChain(exception), start);
        }
    }

    private async Task<RequestResult> SendOnceAsync(HttpClient client, byte[] body, double start, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _url)
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = s_json } },
        };
        if (_target.ApiKey is { Length: > 0 } key)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var message = await ReadErrorAsync(response, cancellationToken);
            var status = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Failure(RequestOutcome.HttpError, status, message, start);
        }

        return await ReadStreamAsync(response, start, cancellationToken);
    }

    private async Task<RequestResult> ReadStreamAsync(HttpResponseMessage response, double start, CancellationToken cancellationToken)
    {
        var parser = new SseEventParser();
        var recorder = new StreamTimingRecorder();
        var events = new List<string>();
        var buffer = ArrayPool<byte>.Shared.Rent(ReadBufferBytes);
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(0, ReadBufferBytes), cancellationToken)) > 0)
            {
                // One timestamp per read: every event this read completes arrived at the same moment.
                var now = Now();
                parser.Feed(buffer.AsSpan(0, read), events);
                foreach (var data in events)
                {
                    recorder.OnEvent(data, now);
                }

                events.Clear();
            }

            return recorder.ToResult(start, Now());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // HttpClient wraps the cause ("connection refused", "response ended prematurely") in a generic message.
    private static string DescribeChain(Exception exception)
    {
        var messages = new List<string>();
        for (var current = exception; current is not null; current = current.InnerException)
        {
            messages.Add(current.Message);
        }

        return string.Join(" -> ", messages);
    }

    private static async Task<string> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        const int maxLength = 300;
        return text.Length > maxLength ? text[..maxLength] : text;
    }

    private RequestResult Failure(RequestOutcome outcome, string? key, string message, double start) => new()
    {
        Outcome = outcome,
        ErrorKey = key,
        ErrorMessage = message,
        StartSeconds = start,
        EndSeconds = Now(),
    };
}
