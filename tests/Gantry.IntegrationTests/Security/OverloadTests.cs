using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Gantry.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Gantry.IntegrationTests.Security;

/// <summary>A server with room for six requests: two running and four queued.</summary>
public sealed class OverloadFixture : IAsyncLifetime
{
    /// <summary>Sequences decoded together.</summary>
    public const int Parallel = 2;

    /// <summary>Requests that may wait.</summary>
    public const int MaxQueue = 4;

    /// <summary>The only key.</summary>
    public static readonly TestKey Key = new("sk-overload", "web", "acme", "inference");

    /// <summary>The running server.</summary>
    public KeyedServer Server { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync() => Server = await SecuredServer.StartAsync([Key],
        ["--context-size", "512", "--parallel", $"{Parallel}", "--max-queue", $"{MaxQueue}"]);

    /// <inheritdoc />
    public Task DisposeAsync() => Server?.DisposeAsync().AsTask() ?? Task.CompletedTask;
}

/// <summary>
/// Ten times more concurrent clients than the server has room for: the excess is rejected with 503 while the
/// accepted requests still run, every accepted request completes in full, memory stays bounded, and the server
/// serves normally afterwards.
/// </summary>
[Collection(FaultSuite.Name)]
public sealed class OverloadTests(OverloadFixture fixture, ITestOutputHelper output) : IClassFixture<OverloadFixture>
{
    private const int Rounds = 3;
    private const int Tokens = 64;

    [Fact]
    public async Task Overload_RejectsExcessAndCompletesAccepted()
    {
        var server = fixture.Server.Server;
        using var client = server.CreateClient();
        var clients = FaultSizes.OverloadFactor * (OverloadFixture.Parallel + OverloadFixture.MaxQueue);
        var baseline = ProcessMemory.ReadRssBytes(server.ProcessId);
        var statuses = new ConcurrentDictionary<int, int>();
        var rejectedLatency = new List<double>();
        var acceptedLatency = new List<double>();

        for (var round = 0; round < Rounds; round++)
        {
            var start = Stopwatch.StartNew();
            var results = await Task.WhenAll(Enumerable.Range(0, clients).Select(i => SendAsync(client, start, i)));

            foreach (var result in results)
            {
                statuses.AddOrUpdate(result.Status, 1, (_, n) => n + 1);
            }

            var accepted = results.Where(r => r.Status == 200).ToArray();
            var rejected = results.Where(r => r.Status != 200).ToArray();
            Assert.All(results, r => Assert.Contains(r.Status, new[] { 200, 429, 503 }));
            Assert.True(accepted.Length >= OverloadFixture.Parallel, $"Round {round}: only {accepted.Length} accepted.");
            Assert.NotEmpty(rejected);
            Assert.All(accepted, r => Assert.Equal(Tokens, r.CompletionTokens));
            Assert.All(rejected, r => Assert.Equal("queue_full", r.Code));
            Assert.All(rejected, r => Assert.True(r.RetryAfter, "A rejection came without Retry-After."));
            var lastAccepted = accepted.Max(r => r.Finished);
            Assert.All(rejected, r => Assert.True(r.Finished < lastAccepted,
                $"A rejection arrived at {r.Finished:0.000} s, after the last accepted request finished at {lastAccepted:0.000} s."));
            rejectedLatency.AddRange(rejected.Select(r => r.Finished));
            acceptedLatency.AddRange(accepted.Select(r => r.Finished));
        }

        var idle = await PrometheusText.WaitForAsync(client,
            text => PrometheusText.GetValue(text, "gantry_requests_running") == 0
                && PrometheusText.GetValue(text, "gantry_requests_waiting") == 0,
            TimeSpan.FromSeconds(60), "the server to go idle after the overload");
        var after = ProcessMemory.ReadRssBytes(server.ProcessId);
        output.WriteLine($"clients per round: {clients} ({FaultSizes.OverloadFactor}× parallel {OverloadFixture.Parallel} + queue {OverloadFixture.MaxQueue}), rounds: {Rounds}");
        output.WriteLine($"statuses seen: {string.Join(", ", statuses.OrderBy(p => p.Key).Select(p => $"{p.Key}×{p.Value}"))}");
        output.WriteLine($"rejections answered after median {Median(rejectedLatency):0.000} s, max {rejectedLatency.Max():0.000} s; "
            + $"accepted finished after median {Median(acceptedLatency):0.000} s, max {acceptedLatency.Max():0.000} s");
        output.WriteLine($"resident memory: {baseline / 1048576} MiB before, {after / 1048576} MiB after");
        Assert.Equal(0, PrometheusText.GetValue(idle, "gantry_kv_cache_usage_ratio"));
        Assert.True(after < baseline + FaultSizes.MemoryBoundBytes,
            $"Resident memory grew from {baseline / 1048576} MiB to {after / 1048576} MiB.");
        using var next = await client.SendAsync(SecuredServer.Completion(OverloadFixture.Key, "after the storm", Tokens));
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    private static async Task<Result> SendAsync(HttpClient client, Stopwatch start, int index)
    {
        using var request = SecuredServer.Completion(OverloadFixture.Key, $"client {index}", Tokens);
        using var response = await client.SendAsync(request);
        var body = await Json.ReadAsync(response);
        var finished = start.Elapsed.TotalSeconds;
        var status = (int)response.StatusCode;
        return status == 200
            ? new Result(status, finished, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32(), null, false)
            : new Result(status, finished, 0, body.GetProperty("error").GetProperty("code").GetString(),
                response.Headers.RetryAfter is not null);
    }

    private static double Median(List<double> values) => values.Count == 0 ? 0 : values.Order().ElementAt(values.Count / 2);

    private sealed record Result(int Status, double Finished, int CompletionTokens, string? Code, bool RetryAfter);
}
