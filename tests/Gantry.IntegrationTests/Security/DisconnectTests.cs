using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Gantry.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Gantry.IntegrationTests.Security;

/// <summary>A server with a deep queue, so hundreds of vanishing clients are queued rather than rejected.</summary>
public sealed class DisconnectFixture : IAsyncLifetime
{
    /// <summary>The only key.</summary>
    public static readonly TestKey Key = new("sk-disconnect", "web", "acme", "inference");

    /// <summary>The running server.</summary>
    public KeyedServer Server { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync() => Server = await SecuredServer.StartAsync([Key],
        ["--context-size", "1024", "--parallel", "4", "--max-queue", "2048"]);

    /// <inheritdoc />
    public Task DisposeAsync() => Server?.DisposeAsync().AsTask() ?? Task.CompletedTask;
}

/// <summary>
/// Hundreds of clients vanish at random points of their requests; afterwards no sequence, queue entry or KV cache
/// cell is left in use, and a new request is served in full.
/// </summary>
[Collection(FaultSuite.Name)]
public sealed class DisconnectTests(DisconnectFixture fixture, ITestOutputHelper output) : IClassFixture<DisconnectFixture>
{
    private enum Vanish
    {
        BeforeHeaders,
        AfterEvents,
        NonStreamed,
        MidUpload,
        AfterRequestSent,
    }

    [Fact]
    public async Task VanishingClients_LeaveEngineIdleAndServing()
    {
        var server = fixture.Server.Server;
        using var client = server.CreateClient();
        var clients = FaultSizes.Disconnects;
        var random = new Random(20261204);
        var plans = Enumerable.Range(0, clients)
            .Select(_ => ((Vanish)random.Next(5), random.Next(0, 40), random.Next(1, 200)))
            .ToArray();
        var outcomes = new ConcurrentDictionary<string, int>();
        var baseline = ProcessMemory.ReadRssBytes(server.ProcessId);
        var stopwatch = Stopwatch.StartNew();

        await Task.WhenAll(plans.Select(plan => RunClientAsync(client, server.BaseAddress, plan.Item1, plan.Item2, plan.Item3, outcomes)));

        var idle = await PrometheusText.WaitForAsync(client,
            text => PrometheusText.GetValue(text, "gantry_requests_running") == 0
                && PrometheusText.GetValue(text, "gantry_requests_waiting") == 0,
            TimeSpan.FromSeconds(120), "every vanished client's request to be freed");
        var after = ProcessMemory.ReadRssBytes(server.ProcessId);
        output.WriteLine($"clients: {clients} in {stopwatch.Elapsed.TotalSeconds:0.0} s");
        output.WriteLine($"outcomes: {string.Join(", ", outcomes.OrderBy(p => p.Key).Select(p => $"{p.Key}×{p.Value}"))}");
        output.WriteLine($"resident memory: {baseline / 1048576} MiB before, {after / 1048576} MiB after");
        Assert.Equal(0, PrometheusText.GetValue(idle, "gantry_kv_cache_usage_ratio"));
        Assert.True(after < baseline + FaultSizes.MemoryBoundBytes,
            $"Resident memory grew from {baseline / 1048576} MiB to {after / 1048576} MiB.");
        using var next = await client.SendAsync(SecuredServer.Completion(DisconnectFixture.Key, "still serving", 20));
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        var usage = (await Json.ReadAsync(next)).GetProperty("usage");
        Assert.Equal(20, usage.GetProperty("completion_tokens").GetInt32());
    }

    private static async Task RunClientAsync(HttpClient client, Uri server, Vanish vanish, int events, int delayMs,
        ConcurrentDictionary<string, int> outcomes)
    {
        var outcome = vanish switch
        {
            Vanish.BeforeHeaders => await CancelAfterAsync(client, stream: true, delayMs),
            Vanish.NonStreamed => await CancelAfterAsync(client, stream: false, delayMs),
            Vanish.AfterEvents => await LeaveAfterEventsAsync(client, events),
            Vanish.MidUpload => await CloseSocketAsync(server, completeBody: false),
            _ => await CloseSocketAsync(server, completeBody: true),
        };
        outcomes.AddOrUpdate($"{vanish}/{outcome}", 1, (_, n) => n + 1);
    }

    private static async Task<string> CancelAfterAsync(HttpClient client, bool stream, int delayMs)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(delayMs));
        try
        {
            using var request = SecuredServer.Completion(DisconnectFixture.Key, "vanish", 600, stream);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
            await response.Content.CopyToAsync(Stream.Null, cancel.Token);
            return $"finished-{(int)response.StatusCode}";
        }
        catch (OperationCanceledException)
        {
            return "cancelled";
        }
    }

    private static async Task<string> LeaveAfterEventsAsync(HttpClient client, int events)
    {
        using var cancel = new CancellationTokenSource();
        using var request = SecuredServer.Completion(DisconnectFixture.Key, "vanish", 600, stream: true);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return $"status-{(int)response.StatusCode}";
        }

        var seen = 0;
        try
        {
            await foreach (var _ in ServerSentEvents.ReadDataAsync(response, cancel.Token))
            {
                if (++seen >= events)
                {
                    await cancel.CancelAsync();
                }
            }
        }
        catch (OperationCanceledException)
        {
            return "left-mid-stream";
        }

        return "read-to-end";
    }

    private static async Task<string> CloseSocketAsync(Uri server, bool completeBody)
    {
        var body = Encoding.UTF8.GetBytes(
            $"{{\"model\": \"{SecuredServer.ModelName}\", \"prompt\": \"vanish\", \"max_tokens\": 600, \"ignore_eos\": true, \"stream\": true}}");
        var head = $"POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + $"Authorization: Bearer {DisconnectFixture.Key.Secret}\r\nContent-Length: {body.Length}\r\n\r\n";
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, server.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(completeBody ? body : body.AsMemory(0, body.Length / 2));
        if (completeBody)
        {
            // Wait for the first bytes of the response, so the request is running or queued when the socket closes.
            var first = new byte[1];
            await stream.ReadAsync(first).AsTask().WaitAsync(TimeSpan.FromSeconds(60));
        }

        tcp.Client.LingerState = new LingerOption(true, 0);
        tcp.Close();
        return completeBody ? "reset-after-answer-began" : "reset-mid-upload";
    }
}
