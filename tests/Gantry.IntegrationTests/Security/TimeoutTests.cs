using System.Net;
using Gantry.IntegrationTests.Infrastructure;

namespace Gantry.IntegrationTests.Security;

/// <summary>A server with one sequence and request time limits far shorter than a long generation.</summary>
public sealed class TimeoutFixture : IAsyncLifetime
{
    /// <summary>The only key.</summary>
    public static readonly TestKey Key = new("sk-timeout", "web", "acme", "inference");

    /// <summary>The running server.</summary>
    public KeyedServer Server { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync() => Server = await SecuredServer.StartAsync([Key],
        ["--context-size", "8192", "--parallel", "1", "--request-timeout", "0.5", "--stream-timeout", "0.5"]);

    /// <inheritdoc />
    public Task DisposeAsync() => Server?.DisposeAsync().AsTask() ?? Task.CompletedTask;
}

/// <summary>Requests that run past their time limit stop, free their sequence and tell the client why.</summary>
public sealed class TimeoutTests(TimeoutFixture fixture) : IClassFixture<TimeoutFixture>
{
    private const int LongGeneration = 8000;

    [Fact]
    public async Task NonStreamed_PastLimit_Returns504()
    {
        using var client = fixture.Server.Server.CreateClient();

        using var response = await client.SendAsync(SecuredServer.Completion(TimeoutFixture.Key, "a", LongGeneration));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        var error = await SecuredServer.ReadErrorAsync(response);
        Assert.Equal("request_timeout", error.GetProperty("code").GetString());
        await AssertIdleAndServingAsync(client);
    }

    [Fact]
    public async Task Streamed_PastLimit_EndsWithErrorEvent()
    {
        using var client = fixture.Server.Server.CreateClient();

        using var response = await client.SendAsync(SecuredServer.Completion(TimeoutFixture.Key, "a", LongGeneration, stream: true),
            HttpCompletionOption.ResponseHeadersRead);
        var events = new List<string>();
        await foreach (var data in ServerSentEvents.ReadDataAsync(response))
        {
            events.Add(data);
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("[DONE]", events);
        var last = events[^1];
        Assert.Contains("\"request_timeout\"", last, StringComparison.Ordinal);
        await AssertIdleAndServingAsync(client);
    }

    private static async Task AssertIdleAndServingAsync(HttpClient client)
    {
        var idle = await PrometheusText.WaitForAsync(client,
            text => PrometheusText.GetValue(text, "gantry_requests_running") == 0,
            TimeSpan.FromSeconds(30), "the stopped request to free its sequence");
        Assert.Equal(0, PrometheusText.GetValue(idle, "gantry_kv_cache_usage_ratio"));
        using var next = await client.SendAsync(SecuredServer.Completion(TimeoutFixture.Key, "b", 2));
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }
}
