using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Gantry.Bench.Tests;

/// <summary>
/// A minimal OpenAI-compatible streaming server on 127.0.0.1 and a free port. Each streamed request
/// gets <c>max_tokens</c> text chunks (one token each, some with multi-byte characters), a finish chunk,
/// a usage chunk and <c>[DONE]</c>. Numbered from 1 in arrival order, every <see cref="FailEvery"/>-th
/// request gets a 503, every <see cref="AbortEvery"/>-th is cut mid-stream and every
/// <see cref="StallEvery"/>-th sends headers and then nothing.
/// </summary>
internal sealed class FakeOpenAiServer : IAsyncDisposable
{
    // Two-, three- and four-byte UTF-8 characters.
    private static readonly string[] s_tokenTexts = [" \u00e9t\u00e9", " \u4e16", " \ud83d\ude00"];

    private readonly WebApplication _app;
    private int _requests;
    private int _completedStreams;

    private FakeOpenAiServer(WebApplication app)
    {
        _app = app;
    }

    public int FailEvery { get; init; }

    public int AbortEvery { get; init; }

    public int StallEvery { get; init; }

    public TimeSpan ChunkDelay { get; init; }

    public string ModelName { get; init; } = "fake-model";

    public Uri BaseUrl => new(_app.Urls.First());

    public int Requests => Volatile.Read(ref _requests);

    public int CompletedStreams => Volatile.Read(ref _completedStreams);

    public static async Task<FakeOpenAiServer> StartAsync(
        int failEvery = 0, int abortEvery = 0, int stallEvery = 0, TimeSpan chunkDelay = default, string modelName = "fake-model")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        var server = new FakeOpenAiServer(app)
        {
            FailEvery = failEvery,
            AbortEvery = abortEvery,
            StallEvery = stallEvery,
            ChunkDelay = chunkDelay,
            ModelName = modelName,
        };
        app.MapGet("/v1/models", () => Results.Text(
            "{\"object\":\"list\",\"data\":[{\"id\":\"" + server.ModelName + "\",\"object\":\"model\"}]}", "application/json"));
        app.MapPost("/v1/completions", context => server.HandleAsync(context, chat: false));
        app.MapPost("/v1/chat/completions", context => server.HandleAsync(context, chat: true));
        await app.StartAsync();
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context, bool chat)
    {
        var number = Interlocked.Increment(ref _requests);
        using var request = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        var root = request.RootElement;
        if (!root.GetProperty("stream").GetBoolean() || !root.GetProperty("stream_options").GetProperty("include_usage").GetBoolean()
            || !root.GetProperty("ignore_eos").GetBoolean())
        {
            context.Response.StatusCode = 400;
            return;
        }

        if (FailEvery > 0 && number % FailEvery == 0)
        {
            context.Response.StatusCode = 503;
            await context.Response.WriteAsync("{\"error\":{\"message\":\"queue full\",\"type\":\"server_error\",\"param\":null,\"code\":\"queue_full\"}}");
            return;
        }

        var tokens = root.GetProperty("max_tokens").GetInt32();
        context.Response.ContentType = "text/event-stream";
        await context.Response.StartAsync();
        if (StallEvery > 0 && number % StallEvery == 0)
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return;
        }

        if (chat)
        {
            await SendAsync(context, "{\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"},\"finish_reason\":null}]}");
        }

        for (var i = 0; i < tokens; i++)
        {
            if (AbortEvery > 0 && number % AbortEvery == 0 && i == tokens / 2)
            {
                context.Abort();
                return;
            }

            if (ChunkDelay > TimeSpan.Zero)
            {
                await Task.Delay(ChunkDelay, context.RequestAborted);
            }

            var text = JsonSerializer.Serialize(s_tokenTexts[i % s_tokenTexts.Length]);
            await SendAsync(context, chat
                ? "{\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":" + text + "},\"finish_reason\":null}]}"
                : "{\"object\":\"text_completion\",\"choices\":[{\"index\":0,\"text\":" + text + ",\"finish_reason\":null}]}");
        }

        await SendAsync(context, chat
            ? "{\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}]}"
            : "{\"object\":\"text_completion\",\"choices\":[{\"index\":0,\"text\":\"\",\"finish_reason\":\"length\"}]}");
        await SendAsync(context, "{\"choices\":[],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":" + tokens + ",\"total_tokens\":" + (tokens + 10) + "}}");
        await SendAsync(context, "[DONE]");
        Interlocked.Increment(ref _completedStreams);
    }

    private static async Task SendAsync(HttpContext context, string data)
    {
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes("data: " + data + "\n\n"), context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }
}
