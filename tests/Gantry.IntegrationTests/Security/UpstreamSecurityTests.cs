using System.Net;
using Gantry.IntegrationTests.Infrastructure;

namespace Gantry.IntegrationTests.Security;

/// <summary>A keyed gantry that forwards to a second gantry running the generated model.</summary>
public sealed class UpstreamSecurityFixture : IAsyncLifetime
{
    /// <summary>A user of tenant acme.</summary>
    public static readonly TestKey Acme = new("sk-up-acme", "acme-web", "acme", "inference", "feedback");

    /// <summary>A user of tenant globex.</summary>
    public static readonly TestKey Globex = new("sk-up-globex", "globex-web", "globex", "inference", "feedback");

    private GantryServer? _engine;
    private string? _keyDirectory;

    /// <summary>The forwarding server that checks keys.</summary>
    public GantryServer Proxy { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var model = Gantry.Testing.TestModels.GetPath(Gantry.Testing.TestModels.Tiny);
        _engine = await GantryServer.StartAsync(["--model", model, "--model-name", "tiny-upstream"]);
        await _engine.WaitUntilReadyAsync("tiny-upstream");
        _keyDirectory = Directory.CreateTempSubdirectory("gantry-keys-").FullName;
        var keyFile = SecuredServer.WriteKeyFile(_keyDirectory, [Acme, Globex]);
        Proxy = await GantryServer.StartAsync(["--upstream", _engine.BaseAddress.ToString(), "--upstream-model", "tiny-upstream",
            "--model-name", SecuredServer.ModelName, "--api-keys", keyFile, "--max-messages", "2", "--capture", "metadata"]);
        await SecuredServer.WaitUntilReadyAsync(Proxy, Acme);
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (Proxy is not null)
        {
            await Proxy.DisposeAsync();
        }

        if (_engine is not null)
        {
            await _engine.DisposeAsync();
        }

        if (_keyDirectory is not null)
        {
            Directory.Delete(_keyDirectory, recursive: true);
        }
    }
}

/// <summary>Keys, limits and tenancy apply in upstream mode as they do with an in-process model.</summary>
public sealed class UpstreamSecurityTests(UpstreamSecurityFixture fixture) : IClassFixture<UpstreamSecurityFixture>
{
    [Fact]
    public async Task Completion_WithoutKey_Returns401()
    {
        using var client = fixture.Proxy.CreateClient();

        using var response = await client.SendAsync(SecuredServer.Completion(null, "hi", 2));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var error = await SecuredServer.ReadErrorAsync(response);
        Assert.Equal("invalid_api_key", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Chat_TooManyMessages_Returns400()
    {
        using var client = fixture.Proxy.CreateClient();
        var messages = Enumerable.Range(0, 3).Select(i => new { role = "user", content = "m" + i }).ToArray();

        using var response = await client.SendAsync(SecuredServer.Request(HttpMethod.Post, "/v1/chat/completions",
            UpstreamSecurityFixture.Acme, new { model = SecuredServer.ModelName, messages, max_tokens = 1 }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await SecuredServer.ReadErrorAsync(response);
        Assert.Equal("too_many_messages", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Feedback_OtherTenantsForwardedCompletion_Returns404()
    {
        using var client = fixture.Proxy.CreateClient();
        using var completion = await client.SendAsync(SecuredServer.Completion(UpstreamSecurityFixture.Acme, "hi", 2));
        Assert.Equal(HttpStatusCode.OK, completion.StatusCode);
        var id = (await Json.ReadAsync(completion)).GetProperty("id").GetString()!;

        using var foreign = await client.SendAsync(SecuredServer.Request(HttpMethod.Post, "/v1/feedback",
            UpstreamSecurityFixture.Globex, new { completion_id = id, rating = "up" }));
        using var own = await client.SendAsync(SecuredServer.Request(HttpMethod.Post, "/v1/feedback",
            UpstreamSecurityFixture.Acme, new { completion_id = id, rating = "up" }));

        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.Created, own.StatusCode);
    }
}
