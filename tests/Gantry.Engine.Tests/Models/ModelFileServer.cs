using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace Gantry.Engine.Tests.Models;

/// <summary>
/// Kestrel server on 127.0.0.1 with a random port that serves one file under any path, records
/// every request, and lets a test replace the response of each request by its number.
/// </summary>
internal sealed class ModelFileServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requestCount;

    private ModelFileServer(WebApplication app, byte[] content)
    {
        _app = app;
        Content = content;
    }

    /// <summary>Bytes served by <see cref="ServeAsync"/>.</summary>
    public byte[] Content { get; set; }

    /// <summary>Requests received so far, in arrival order.</summary>
    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>
    /// Handler for each request, given its 1-based number. The default serves <see cref="Content"/>
    /// and honours ranges.
    /// </summary>
    public Func<int, HttpContext, Task>? Handler { get; set; }

    /// <summary>Address of the server, for example <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Starts a server that serves <paramref name="content"/>.</summary>
    public static async Task<ModelFileServer> StartAsync(byte[] content)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new ModelFileServer(app, content);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.BaseAddress = new Uri(address + "/");
        return server;
    }

    /// <summary>Returns the URL of a file name on this server.</summary>
    public Uri UrlFor(string fileName) => new(BaseAddress, "models/" + fileName);

    /// <summary>Serves <see cref="Content"/>, returning 206 for a <c>Range: bytes=N-</c> request unless <paramref name="honourRange"/> is false.</summary>
    public async Task ServeAsync(HttpContext context, bool honourRange = true)
    {
        var start = honourRange ? ParseRangeStart(context.Request) : null;
        if (start is { } offset)
        {
            if (offset >= Content.Length)
            {
                context.Response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
                context.Response.Headers.ContentRange = $"bytes */{Content.Length}";
                return;
            }

            context.Response.StatusCode = StatusCodes.Status206PartialContent;
            context.Response.Headers.ContentRange = $"bytes {offset}-{Content.Length - 1}/{Content.Length}";
        }

        var from = (int)(start ?? 0);
        context.Response.ContentLength = Content.Length - from;
        context.Response.ContentType = "application/octet-stream";
        await context.Response.Body.WriteAsync(Content.AsMemory(from));
    }

    /// <summary>
    /// Sends the headers of the whole file and its first <paramref name="byteCount"/> bytes, waits
    /// until <paramref name="received"/> completes (the client has stored those bytes), then drops
    /// the connection.
    /// </summary>
    public async Task ServePrefixThenDropAsync(HttpContext context, int byteCount, Task received)
    {
        context.Response.ContentLength = Content.Length;
        await context.Response.Body.WriteAsync(Content.AsMemory(0, byteCount));
        await context.Response.Body.FlushAsync();
        await received.WaitAsync(TimeSpan.FromSeconds(30));
        context.Abort();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static long? ParseRangeStart(HttpRequest request)
    {
        var header = request.Headers.Range.ToString();
        if (!RangeHeaderValue.TryParse(header, out var range) || range.Ranges.Count != 1)
        {
            return null;
        }

        return range.Ranges.Single().From;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var number = Interlocked.Increment(ref _requestCount);
        var range = context.Request.Headers.Range.ToString();
        Requests.Enqueue(new RecordedRequest(number, context.Request.Path, string.IsNullOrEmpty(range) ? null : range));
        if (Handler is { } handler)
        {
            await handler(number, context);
        }
        else
        {
            await ServeAsync(context);
        }
    }
}

/// <summary>A request as the test server saw it.</summary>
internal sealed record RecordedRequest(int Number, string Path, string? Range);
