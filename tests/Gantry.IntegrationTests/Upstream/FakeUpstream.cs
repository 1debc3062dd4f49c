using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gantry.IntegrationTests.Upstream;

/// <summary>
/// A small OpenAI-compatible server inside the test process, on 127.0.0.1 and a free port, whose inference
/// routes do whatever the test sets in <see cref="Behavior"/>: respond normally, stall, fail, send garbage or
/// drop the connection. It records every request body and whether the caller aborted each request.
/// </summary>
public sealed class FakeUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<JsonElement> _bodies = new();
    private readonly TaskCompletionSource _aborted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _requests;

    private FakeUpstream(WebApplication app)
    {
        _app = app;
    }

    /// <summary>The server's base address, e.g. http://127.0.0.1:41234.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>What the inference routes do; receives the context and the 1-based request number.</summary>
    public Func<HttpContext, int, Task> Behavior { get; set; } = (context, _) => WriteCompletionAsync(context, "ok");

    /// <summary>The status that <c>GET /health</c> returns; 404 makes the route look absent.</summary>
    public int HealthStatus { get; set; } = StatusCodes.Status200OK;

    /// <summary>Inference requests received so far.</summary>
    public int RequestCount => Volatile.Read(ref _requests);

    /// <summary>The JSON bodies of the inference requests, in arrival order.</summary>
    public IReadOnlyList<JsonElement> Bodies => _bodies.ToArray();

    /// <summary>Completes when the caller has aborted an inference request while its handler ran.</summary>
    public Task Aborted => _aborted.Task;

    /// <summary>Starts the server.</summary>
    public static async Task<FakeUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var upstream = new FakeUpstream(app);
        app.MapPost("/v1/chat/completions", upstream.HandleAsync);
        app.MapPost("/v1/completions", upstream.HandleAsync);
        app.MapGet("/health", () => Results.StatusCode(upstream.HealthStatus));
        app.MapGet("/v1/models", () => Results.Json(new
        {
            @object = "list",
            data = new[] { new { id = "fake-model", @object = "model", created = 1, owned_by = "fake" } },
        }));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        upstream.BaseAddress = new Uri(address);
        return upstream;
    }

    /// <summary>Writes a non-streamed chat completion with the given text.</summary>
    public static Task WriteCompletionAsync(HttpContext context, string text)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            id = "chatcmpl-fake",
            @object = "chat.completion",
            created = 1,
            model = "fake-model",
            choices = new[]
            {
                new { index = 0, message = new { role = "assistant", content = text }, finish_reason = "stop" },
            },
            usage = new { prompt_tokens = 3, completion_tokens = 1, total_tokens = 4 },
        }));
    }

    /// <summary>Starts a server-sent event response.</summary>
    public static async Task StartStreamAsync(HttpContext context)
    {
        context.Response.ContentType = "text/event-stream";
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    /// <summary>Writes one chat chunk with the given text and finish reason as an event, and flushes it.</summary>
    public static async Task WriteChunkAsync(HttpContext context, string? text, string? finishReason = null)
    {
        var chunk = JsonSerializer.Serialize(new
        {
            id = "chatcmpl-fake",
            @object = "chat.completion.chunk",
            created = 1,
            model = "fake-model",
            choices = new[]
            {
                new { index = 0, delta = new { content = text }, finish_reason = finishReason },
            },
        });
        await WriteRawAsync(context, $"data: {chunk}\n\n");
    }

    /// <summary>Writes raw text to the response and flushes it.</summary>
    public static async Task WriteRawAsync(HttpContext context, string text)
    {
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var number = Interlocked.Increment(ref _requests);
        using (var document = await JsonDocument.ParseAsync(context.Request.Body))
        {
            _bodies.Enqueue(document.RootElement.Clone());
        }

        using var registration = context.RequestAborted.Register(() => _aborted.TrySetResult());
        try
        {
            await Behavior(context, number);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
        }
        catch (IOException) when (context.RequestAborted.IsCancellationRequested)
        {
        }
    }
}
