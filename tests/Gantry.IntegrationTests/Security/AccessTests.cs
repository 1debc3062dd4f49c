using System.ClientModel;
using System.Diagnostics;
using System.Net;
using Gantry.IntegrationTests.Infrastructure;
using OpenAI;
using OpenAI.Chat;

namespace Gantry.IntegrationTests.Security;

/// <summary>A server with three keys of different scopes and tenants.</summary>
public sealed class AccessFixture : IAsyncLifetime
{
    /// <summary>A key for inference in tenant acme.</summary>
    public static readonly TestKey Inference = new("sk-inference-1", "web", "acme", "inference");

    /// <summary>A key for feedback only.</summary>
    public static readonly TestKey FeedbackOnly = new("sk-feedback-1", "rater", "acme", "feedback");

    /// <summary>An admin key for every tenant.</summary>
    public static readonly TestKey Admin = new("sk-admin-1", "ops", "*", "admin");

    private KeyedServer? _server;

    /// <summary>The running server.</summary>
    public KeyedServer Server => _server!;

    /// <inheritdoc />
    public async Task InitializeAsync() =>
        _server = await SecuredServer.StartAsync([Inference, FeedbackOnly, Admin], ["--context-size", "256"]);

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>API keys, scopes and the routes that stay open, against a real server.</summary>
public sealed class AccessTests(AccessFixture fixture) : IClassFixture<AccessFixture>
{
    public static TheoryData<string, string> ProtectedRoutes => new()
    {
        { "POST", "/v1/chat/completions" },
        { "POST", "/v1/completions" },
        { "GET", "/v1/models" },
        { "GET", "/v1/models/test-model" },
        { "POST", "/v1/feedback" },
        { "GET", "/v1/feedback/stats" },
        { "GET", "/v1/no-such-route" },
        { "GET", "/no-such-route" },
    };

    [Theory]
    [MemberData(nameof(ProtectedRoutes))]
    public async Task Route_WithoutKey_Returns401(string method, string path)
    {
        using var client = fixture.Server.Server.CreateClient();

        using var response = await client.SendAsync(SecuredServer.Request(new HttpMethod(method), path, null, new { }));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
        var error = await SecuredServer.ReadErrorAsync(response);
        Assert.Equal("invalid_api_key", error.GetProperty("code").GetString());
    }

    [Theory]
    [MemberData(nameof(ProtectedRoutes))]
    public async Task Route_WithWrongKey_Returns401(string method, string path)
    {
        using var client = fixture.Server.Server.CreateClient();
        var wrong = AccessFixture.Inference with { Secret = AccessFixture.Inference.Secret + "x" };

        using var response = await client.SendAsync(SecuredServer.Request(new HttpMethod(method), path, wrong, new { }));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var error = await SecuredServer.ReadErrorAsync(response);
        Assert.Equal("invalid_api_key", error.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("POST", "/v1/chat/completions", "feedback")]
    [InlineData("GET", "/v1/models", "feedback")]
    [InlineData("POST", "/v1/feedback", "inference")]
    [InlineData("GET", "/v1/feedback/stats", "inference")]
    [InlineData("GET", "/v1/feedback/stats", "feedback")]
    [InlineData("POST", "/v1/completions", "admin")]
    public async Task Route_KeyWithoutScope_Returns403(string method, string path, string keyScope)
    {
        using var client = fixture.Server.Server.CreateClient();
        var key = keyScope switch
        {
            "inference" => AccessFixture.Inference,
            "feedback" => AccessFixture.FeedbackOnly,
            _ => AccessFixture.Admin,
        };

        using var response = await client.SendAsync(SecuredServer.Request(new HttpMethod(method), path, key, new { }));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var error = await SecuredServer.ReadErrorAsync(response);
        Assert.Equal("insufficient_scope", error.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData(4 * 1024 * 1024 + 1, true)]
    [InlineData(64 * 1024, false)]
    public async Task RejectedBody_ClosesConnectionOnlyOverLimit(int bodyBytes, bool expectClose)
    {
        // With Expect: 100-continue and a long timeout, the client sends no body before the server's response,
        // so the 401 arrives before any upload.
        using var handler = new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromMinutes(1) };
        using var client = new HttpClient(handler) { BaseAddress = fixture.Server.Server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = new ByteArrayContent(new byte[bodyBytes]),
        };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.ExpectContinue = true;

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(expectClose, response.Headers.ConnectionClose == true);
    }

    [Fact]
    public async Task UnknownV1Route_WithKey_Returns404()
    {
        using var client = fixture.Server.Server.CreateClient();

        using var response = await client.SendAsync(SecuredServer.Request(HttpMethod.Get, "/v1/no-such-route", AccessFixture.Inference));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = await SecuredServer.ReadErrorAsync(response);
        Assert.Equal("unknown_route", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task OpenAISdk_WithKey_Completes()
    {
        var client = new OpenAIClient(new ApiKeyCredential(AccessFixture.Inference.Secret), new OpenAIClientOptions
        {
            Endpoint = new Uri(fixture.Server.Server.BaseAddress, "/v1"),
        }).GetChatClient(SecuredServer.ModelName);

        var completion = await client.CompleteChatAsync([new UserChatMessage("hello")],
            new ChatCompletionOptions { MaxOutputTokenCount = 3 });

        Assert.Equal(3, completion.Value.Usage.OutputTokenCount);
    }

    [Fact]
    public async Task OpenAISdk_WithWrongKey_ThrowsAuthenticationError()
    {
        var client = new OpenAIClient(new ApiKeyCredential("sk-wrong"), new OpenAIClientOptions
        {
            Endpoint = new Uri(fixture.Server.Server.BaseAddress, "/v1"),
        }).GetChatClient(SecuredServer.ModelName);

        var exception = await Assert.ThrowsAsync<ClientResultException>(() =>
            client.CompleteChatAsync([new UserChatMessage("hello")], new ChatCompletionOptions { MaxOutputTokenCount = 3 }));

        Assert.Equal(401, exception.Status);
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    [InlineData("/metrics")]
    public async Task OpenRoute_WithoutKey_IsNotRejected(string path)
    {
        using var client = fixture.Server.Server.CreateClient();

        using var response = await client.GetAsync(path);

        Assert.NotEqual(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.NotEqual(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task KeyFile_Rewritten_NewKeyWorksAndOldKeyStops()
    {
        var server = fixture.Server;
        using var client = server.Server.CreateClient();
        var added = new TestKey("sk-added-" + Guid.NewGuid().ToString("N"), "added", "acme", "inference");
        var removed = new TestKey("sk-removed-" + Guid.NewGuid().ToString("N"), "removed", "acme", "inference");
        TestKey[] baseKeys = [AccessFixture.Inference, AccessFixture.FeedbackOnly, AccessFixture.Admin];

        SecuredServer.WriteKeyFileTo(server.KeyFile, [.. baseKeys, removed]);
        await PollStatusAsync(client, removed, HttpStatusCode.OK);
        SecuredServer.WriteKeyFileTo(server.KeyFile, [.. baseKeys, added]);
        await PollStatusAsync(client, added, HttpStatusCode.OK);

        using var response = await client.SendAsync(SecuredServer.Request(HttpMethod.Get, "/v1/models", removed));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var unchanged = await client.SendAsync(SecuredServer.Request(HttpMethod.Get, "/v1/models", AccessFixture.Inference));
        Assert.Equal(HttpStatusCode.OK, unchanged.StatusCode);
    }

    private static async Task PollStatusAsync(HttpClient client, TestKey key, HttpStatusCode expected)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            using var response = await client.SendAsync(SecuredServer.Request(HttpMethod.Get, "/v1/models", key));
            if (response.StatusCode == expected)
            {
                return;
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30),
                $"Key '{key.Name}' still got {(int)response.StatusCode} 30 s after the key file changed.");
            await Task.Delay(20);
        }
    }
}
