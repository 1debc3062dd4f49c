using System.Diagnostics;
using System.Text;
using Gantry.Api.Inference;
using Gantry.Engine;
using Gantry.Security;

namespace Gantry.Upstream;

/// <summary>
/// What one forwarded request has produced so far: the text assembled from the chunks, the upstream's usage
/// and finish reason, and the arrival times that give time to first token and inter-token latency.
/// Used by one request thread at a time.
/// </summary>
internal sealed class UpstreamExchange(EndpointKind kind, string model, InferenceRequest request,
    HttpContext context, CancellationToken cancellation)
{
    private readonly StringBuilder _text = new();
    private long _firstContent;
    private long _lastContent;
    private int _contentChunks;

    /// <summary>When the request arrived, as a <see cref="Stopwatch"/> timestamp.</summary>
    public long Started { get; } = Stopwatch.GetTimestamp();

    /// <summary>When the request was accepted.</summary>
    public DateTimeOffset Created { get; } = DateTimeOffset.UtcNow;

    /// <summary>The route that serves it.</summary>
    public EndpointKind Kind => kind;

    /// <summary>The validated request.</summary>
    public InferenceRequest Request => request;

    /// <summary>The client's HTTP request.</summary>
    public HttpContext Context => context;

    /// <summary>Cancelled when the client leaves or the drain deadline passes; ends the upstream call.</summary>
    public CancellationToken Cancellation => cancellation;

    /// <summary>The completion id: the upstream's, or a generated one when the upstream sent none.</summary>
    public string? Id { get; set; }

    /// <summary>The upstream's finish reason; null until a choice carried one.</summary>
    public string? FinishReason { get; set; }

    /// <summary>The upstream's error message, from an in-stream error event.</summary>
    public string? Error { get; set; }

    /// <summary>Token counts from the upstream's usage object; null until one arrived.</summary>
    public (int Prompt, int Completion)? Usage { get; set; }

    /// <summary>Whether the generation has ended: a finish reason or an error arrived.</summary>
    public bool Ended => FinishReason is not null || Error is not null;

    /// <summary>Appends completion text and records when it arrived.</summary>
    public void AddContent(string text)
    {
        var now = Stopwatch.GetTimestamp();
        if (_contentChunks == 0)
        {
            _firstContent = now;
        }

        _lastContent = now;
        _contentChunks++;
        _text.Append(text);
    }

    /// <summary>Sets the text of a non-streamed response, whose arrival time carries no token timing.</summary>
    public void SetWholeText(string text)
    {
        _text.Clear();
        _text.Append(text);
    }

    /// <summary>The finished exchange for the completion sinks.</summary>
    public CompletedExchange ToCompleted(FinishReason reason, string? error)
    {
        var prefix = kind == EndpointKind.Chat ? "chatcmpl-" : "cmpl-";
        Id ??= prefix + Guid.NewGuid().ToString("N");

        // Without a usage object, the count of chunks with text is the best estimate of the completion tokens:
        // OpenAI-compatible servers send about one token per chunk.
        var usage = new GenerationUsage(
            Usage?.Prompt ?? 0,
            Usage?.Completion ?? _contentChunks,
            QueueSeconds: 0,
            FirstTokenSeconds: _contentChunks == 0 ? null : Stopwatch.GetElapsedTime(Started, _firstContent).TotalSeconds,
            DecodeSeconds: _contentChunks < 2 ? 0 : Stopwatch.GetElapsedTime(_firstContent, _lastContent).TotalSeconds);
        var caller = context.GetCaller();
        return new CompletedExchange(Id, kind, model, Created, request, _text.ToString(), reason, usage,
            Stopwatch.GetElapsedTime(Started).TotalSeconds, error)
        {
            Tenant = caller.Tenant,
            KeyName = caller.KeyName,
        };
    }
}
