using System.Net;

namespace Gantry.IntegrationTests.Security;

/// <summary>A server whose <c>/metrics</c> needs the admin scope.</summary>
public sealed class MetricsAdminFixture : IAsyncLifetime
{
    /// <summary>A key for inference only.</summary>
    public static readonly TestKey Inference = new("sk-metrics-inference", "web", "acme", "inference");

    /// <summary>An admin key.</summary>
    public static readonly TestKey Admin = new("sk-metrics-admin", "ops", "*", "admin");

    /// <summary>The running server.</summary>
    public KeyedServer Server { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync() =>
        Server = await SecuredServer.StartAsync([Inference, Admin], ["--metrics-require-admin", "--context-size", "128"]);

    /// <inheritdoc />
    public Task DisposeAsync() => Server?.DisposeAsync().AsTask() ?? Task.CompletedTask;
}

/// <summary><c>--metrics-require-admin</c> closes <c>/metrics</c> to all but admin keys.</summary>
public sealed class MetricsAccessTests(MetricsAdminFixture fixture) : IClassFixture<MetricsAdminFixture>
{
    [Fact]
    public async Task Metrics_WithoutKey_Returns401()
    {
        using var client = fixture.Server.Server.CreateClient();

        using var response = await client.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var error = await SecuredServer.ReadErrorAsync(response);
        Assert.Equal("invalid_api_key", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Metrics_WithInferenceKey_Returns403()
    {
        using var client = fixture.Server.Server.CreateClient();

        using var response = await client.SendAsync(SecuredServer.Request(HttpMethod.Get, "/metrics", MetricsAdminFixture.Inference));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Metrics_WithAdminKey_ReturnsSamples()
    {
        using var client = fixture.Server.Server.CreateClient();

        using var response = await client.SendAsync(SecuredServer.Request(HttpMethod.Get, "/metrics", MetricsAdminFixture.Admin));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("gantry_requests_running", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
