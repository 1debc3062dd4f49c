using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using CsCheck;
using Xunit.Abstractions;

namespace Gantry.IntegrationTests.Security;

/// <summary>A keyed server with a small context, so a generated request that happens to be valid finishes fast.</summary>
public sealed class HostileInputFixture : IAsyncLifetime
{
    /// <summary>A key with every scope.</summary>
    public static readonly TestKey Key = new("sk-hostile", "fuzz", "acme", "inference", "feedback", "admin");

    /// <summary>The running server.</summary>
    public KeyedServer Server { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync() =>
        Server = await SecuredServer.StartAsync([Key], ["--context-size", "64", "--parallel", "4", "--max-queue", "256"]);

    /// <inheritdoc />
    public Task DisposeAsync() => Server?.DisposeAsync().AsTask() ?? Task.CompletedTask;
}

/// <summary>
/// Thousands of generated malformed and hostile requests on every route. Each gets a status below 500, routes under
/// <c>/v1</c> return errors in the OpenAI shape, and afterwards the server still serves and its resident memory is
/// within <see cref="FaultSizes.MemoryBoundBytes"/> of where it started.
/// </summary>
[Collection(FaultSuite.Name)]
public sealed class HostileInputTests(HostileInputFixture fixture, ITestOutputHelper output) : IClassFixture<HostileInputFixture>
{
    [Fact]
    public async Task HostileRequests_Answer4xxAndLeaveServerHealthy()
    {
        var server = fixture.Server.Server;
        using var client = server.CreateClient();
        var authorization = "Bearer " + HostileInputFixture.Key.Secret;
        var generator = HostileRequests.Create(authorization);
        var statuses = new ConcurrentDictionary<int, int>();
        var kinds = new ConcurrentDictionary<string, int>();
        await generator.SampleAsync(r => SendAndCheckAsync(client, r, statuses, kinds), iter: 200, threads: 4, seed: "0N0XIzNsQ0O2");

        // The baseline is taken once the garbage collector has grown its heaps for the largest requests, four
        // 4 MB prompts at a time, so the bound below catches memory that keeps growing, not the first high-water mark.
        for (var round = 0; round < 2; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => SendAndCheckAsync(client, EnormousPrompt(authorization))));
        }

        var baseline = ProcessMemory.ReadRssBytes(server.ProcessId);
        var requests = FaultSizes.HostileRequests;
        var stopwatch = Stopwatch.StartNew();

        await generator.SampleAsync(r => SendAndCheckAsync(client, r, statuses, kinds), iter: requests, threads: 4,
            print: r => r.ToString());

        var after = ProcessMemory.ReadRssBytes(server.ProcessId);
        output.WriteLine($"requests tried: {requests} (+208 warm-up) in {stopwatch.Elapsed.TotalSeconds:0.0} s");
        output.WriteLine($"statuses seen: {string.Join(", ", statuses.OrderBy(p => p.Key).Select(p => $"{p.Key}×{p.Value}"))}");
        output.WriteLine($"body kinds: {string.Join(", ", kinds.OrderBy(p => p.Key).Select(p => $"{p.Key}×{p.Value}"))}");
        output.WriteLine($"resident memory: {baseline / 1048576} MiB before, {after / 1048576} MiB after");
        Assert.False(server.HasExited, "The server exited during the hostile requests.");
        Assert.True(after < baseline + FaultSizes.MemoryBoundBytes,
            $"Resident memory grew from {baseline / 1048576} MiB to {after / 1048576} MiB.");
        using var next = await client.SendAsync(SecuredServer.Completion(HostileInputFixture.Key, "still serving", 3));
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    /// <summary>Sends one request and checks the response; throws, so CsCheck shrinks to a minimal failing request.</summary>
    internal static async Task SendAndCheckAsync(HttpClient client, HostileRequest hostile,
        ConcurrentDictionary<int, int>? statuses = null, ConcurrentDictionary<string, int>? kinds = null)
    {
        using var request = hostile.ToHttpRequest(client.BaseAddress!);
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request);
        }
        catch (HttpRequestException) when (hostile.Body.Length > MaxRequestBodyBytes)
        {
            // Kestrel may reject a body over the limit without reading it and close the connection during the
            // upload; the client then sees a broken pipe instead of the response. Status 0 counts these.
            statuses?.AddOrUpdate(0, 1, (_, n) => n + 1);
            kinds?.AddOrUpdate(hostile.Kind, 1, (_, n) => n + 1);
            return;
        }

        using var disposeResponse = response;
        var status = (int)response.StatusCode;
        var body = await response.Content.ReadAsStringAsync();
        statuses?.AddOrUpdate(status, 1, (_, n) => n + 1);
        kinds?.AddOrUpdate(hostile.Kind, 1, (_, n) => n + 1);
        if (status >= 500)
        {
            throw new InvalidOperationException($"{status} for {hostile}: {Truncate(body)}");
        }

        if (status >= 400 && hostile.Method != "HEAD" && IsApiRoute(hostile.Path) && !HasErrorShape(body))
        {
            throw new InvalidOperationException($"{status} without an OpenAI error body for {hostile}: {Truncate(body)}");
        }
    }

    private static HostileRequest EnormousPrompt(string authorization) => new("POST", "/v1/completions", "application/json",
        authorization, System.Text.Encoding.UTF8.GetBytes(
            $"{{\"model\": \"test-model\", \"prompt\": \"{new string('w', MaxRequestBodyBytes - 100)}\", \"max_tokens\": 1}}"),
        "enormous");

    /// <summary>The server's default <c>--max-request-body-bytes</c>.</summary>
    private const int MaxRequestBodyBytes = 4 * 1024 * 1024;

    private static bool IsApiRoute(string path) =>
        path.StartsWith("/v1/", StringComparison.Ordinal) || path == "/v1" || path.StartsWith("/v1?", StringComparison.Ordinal);

    private static bool HasErrorShape(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("error", out var error)
                && error.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String
                && error.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
                && error.TryGetProperty("code", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "…";
}

/// <summary>The fault tests run one at a time: each loads the machine on purpose.</summary>
[CollectionDefinition(Name)]
public sealed class FaultSuite
{
    /// <summary>The collection name.</summary>
    public const string Name = "Fault suite";
}
