using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Gantry.Bench.Tests;

/// <summary>
/// A raw HTTP/1.1 server on 127.0.0.1 that streams one completion per connection and then behaves as
/// llama.cpp's server does: it advertises keep-alive but closes the connection instead of responding to the next
/// request sent on it. It waits for the first bytes of that request before closing, so every reuse fails.
/// </summary>
internal sealed class ClosingSseServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private int _answered;
    private int _closedOnReuse;

    public ClosingSseServer(int tokens)
    {
        _listener.Start();
        _acceptLoop = AcceptLoopAsync(tokens);
    }

    public Uri BaseUrl => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    public int Answered => Volatile.Read(ref _answered);

    public int ClosedOnReuse => Volatile.Read(ref _closedOnReuse);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync(int tokens)
    {
        var connections = new List<Task>();
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                connections.Add(ServeAsync(client, tokens));
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        await Task.WhenAll(connections);
    }

    private async Task ServeAsync(TcpClient client, int tokens)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                await ReadRequestAsync(stream);
                await WriteResponseAsync(stream, tokens);
                Interlocked.Increment(ref _answered);

                // Wait for the next request on this connection, then close it unanswered.
                var next = new byte[1];
                if (await stream.ReadAsync(next, _stop.Token) > 0)
                {
                    Interlocked.Increment(ref _closedOnReuse);
                }
            }
            catch (Exception exception) when (exception is IOException or OperationCanceledException)
            {
            }
        }
    }

    private async Task ReadRequestAsync(NetworkStream stream)
    {
        var received = new List<byte>();
        var buffer = new byte[4096];
        var headerEnd = -1;
        var contentLength = 0;
        while (headerEnd < 0 || received.Count < headerEnd + 4 + contentLength)
        {
            var read = await stream.ReadAsync(buffer, _stop.Token);
            if (read == 0)
            {
                throw new IOException("The client closed the connection before sending a whole request.");
            }

            received.AddRange(buffer.AsSpan(0, read));
            if (headerEnd < 0)
            {
                var text = Encoding.ASCII.GetString(received.ToArray());
                headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                if (headerEnd >= 0)
                {
                    var line = text[..headerEnd].Split("\r\n").First(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
                    contentLength = int.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
                }
            }
        }
    }

    private async Task WriteResponseAsync(NetworkStream stream, int tokens)
    {
        var head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\nKeep-Alive: timeout=5, max=100\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
        for (var i = 0; i < tokens; i++)
        {
            await WriteChunkAsync(stream, "data: {\"choices\":[{\"index\":0,\"text\":\" t\",\"finish_reason\":null}]}\n\n");
        }

        await WriteChunkAsync(stream, "data: {\"choices\":[{\"index\":0,\"text\":\"\",\"finish_reason\":\"length\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":" + tokens + "}}\n\n");
        await WriteChunkAsync(stream, "data: [DONE]\n\n");
        await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), _stop.Token);
        await stream.FlushAsync(_stop.Token);
    }

    private async Task WriteChunkAsync(NetworkStream stream, string data)
    {
        var payload = Encoding.UTF8.GetBytes(data);
        var chunk = Encoding.ASCII.GetBytes(payload.Length.ToString("x", System.Globalization.CultureInfo.InvariantCulture) + "\r\n")
            .Concat(payload)
            .Concat("\r\n"u8.ToArray())
            .ToArray();
        await stream.WriteAsync(chunk, _stop.Token);
    }
}
