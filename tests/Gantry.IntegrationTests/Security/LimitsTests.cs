using System.Net;
using System.Net.Sockets;
using System.Text;
using Gantry.IntegrationTests.Infrastructure;

namespace Gantry.IntegrationTests.Security;

/// <summary>A server with small request limits and per-key rate limits.</summary>
public sealed class LimitsFixture : IAsyncLifetime
{
    /// <summary>Keys, one per test that spends rate budget, so tests do not share partitions.</summary>
    public static readonly TestKey Ready = new("sk-limits-ready", "ready", "acme", "inference");

    /// <summary>A key for the validation tests.</summary>
    public static readonly TestKey Validation = new("sk-limits-validation", "validation", "acme", "inference");

    /// <summary>A key for the request-rate test.</summary>
    public static readonly TestKey Requests = new("sk-limits-requests", "requests", "acme", "inference");

    /// <summary>A key for the token-rate test.</summary>
    public static readonly TestKey Tokens = new("sk-limits-tokens", "tokens", "acme", "inference");

    /// <summary>A key for the slow-client tests.</summary>
    public static readonly TestKey Slow = new("sk-limits-slow", "slow", "acme", "inference");

    /// <summary>The running server.</summary>
    public KeyedServer Server { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync() => Server = await SecuredServer.StartAsync(
        [Ready, Validation, Requests, Tokens, Slow],
        [
            "--context-size", "512", "--max-messages", "3", "--max-prompt-tokens", "150", "--max-completion-tokens", "20",
            "--max-request-header-bytes", "4096", "--rate-limit-requests-per-minute", "1000",
            "--rate-limit-tokens-per-minute", "160", "--min-request-body-bytes-per-second", "1000",
        ]);

    /// <inheritdoc />
    public Task DisposeAsync() => Server?.DisposeAsync().AsTask() ?? Task.CompletedTask;
}

/// <summary>Each request limit returns its own error, in the OpenAI shape where a handler can write one.</summary>
public sealed class LimitsTests(LimitsFixture fixture) : IClassFixture<LimitsFixture>
{
    private HttpClient CreateClient() => fixture.Server.Server.CreateClient();

    [Fact]
    public async Task Chat_TooManyMessages_Returns400()
    {
        using var client = CreateClient();
        var messages = Enumerable.Range(0, 4).Select(i => new { role = "user", content = "m" + i }).ToArray();

        using var response = await client.SendAsync(SecuredServer.Request(HttpMethod.Post, "/v1/chat/completions",
            LimitsFixture.Validation, new { model = SecuredServer.ModelName, messages, max_tokens = 1 }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await SecuredServer.ReadErrorAsync(response);
        Assert.Equal("too_many_messages", error.GetProperty("code").GetString());
        Assert.Equal("messages", error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task Chat_MessagesAtLimit_Completes()
    {
        using var client = CreateClient();
        var messages = Enumerable.Range(0, 3).Select(i => new { role = "user", content = "m" + i }).ToArray();

        using var response = await client.SendAsync(SecuredServer.Request(HttpMethod.Post, "/v1/chat/completions",
            LimitsFixture.Validation, new { model = SecuredServer.ModelName, messages, max_tokens = 1 }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("max_tokens")]
    [InlineData("max_completion_tokens")]
    public async Task Chat_MaxTokensOverLimit_Returns400(string field)
    {
        using var client = CreateClient();
        var body = new Dictionary<string, object>
        {
            ["model"] = SecuredServer.ModelName,
            ["messages"] = new[] { new { role = "user", content = "hi" } },
            [field] = 21,
        };

        using var response = await client.SendAsync(SecuredServer.Request(HttpMethod.Post, "/v1/chat/completions",
            LimitsFixture.Validation, body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await SecuredServer.ReadErrorAsync(response);
        Assert.Equal("max_tokens_too_large", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Completion_PromptOverLimit_Returns400()
    {
        using var client = CreateClient();
        // About 200 tokens: over the 150-token limit, within the 512-token context.
        var prompt = string.Join(' ', Enumerable.Repeat("hello world", 100));

        using var response = await client.SendAsync(SecuredServer.Request(HttpMethod.Post, "/v1/completions",
            LimitsFixture.Validation, new { model = SecuredServer.ModelName, prompt, max_tokens = 1 }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await SecuredServer.ReadErrorAsync(response);
        Assert.Equal("prompt_too_long", error.GetProperty("code").GetString());
        Assert.Equal("prompt", error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task Completion_PromptOverCharacterBound_Returns400()
    {
        using var client = CreateClient();

        // 150 prompt tokens times 64 characters per token is 9600 characters; this prompt is rejected untokenized.
        using var response = await client.SendAsync(SecuredServer.Request(HttpMethod.Post, "/v1/completions",
            LimitsFixture.Validation, new { model = SecuredServer.ModelName, prompt = new string('w', 20_000), max_tokens = 1 }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await SecuredServer.ReadErrorAsync(response);
        Assert.Equal("prompt_too_long", error.GetProperty("code").GetString());
        Assert.Contains("20000 characters", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Headers_OverLimit_Return431()
    {
        using var client = CreateClient();
        using var request = SecuredServer.Request(HttpMethod.Get, "/v1/models", LimitsFixture.Validation);
        request.Headers.Add("X-Padding", new string('a', 8192));

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Requests_OverRate_Return429WithRetryAfter()
    {
        using var client = CreateClient();
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;

        for (var i = 0; i < 1100 && limited is null; i++)
        {
            var response = await client.SendAsync(SecuredServer.Request(HttpMethod.Get, "/v1/models", LimitsFixture.Requests));
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                response.Dispose();
            }
        }

        Assert.NotNull(limited);
        using (limited)
        {
            Assert.True(statuses.Count(s => s == HttpStatusCode.OK) >= 1000, $"Only {statuses.Count} requests before the first 429.");
            Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {limited.Headers.RetryAfter}");
            var error = await SecuredServer.ReadErrorAsync(limited);
            Assert.Equal("rate_limit_exceeded", error.GetProperty("code").GetString());
        }

        using var other = await client.SendAsync(SecuredServer.Request(HttpMethod.Get, "/v1/models", LimitsFixture.Validation));
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task Tokens_OverRate_Return429WithRetryAfter()
    {
        using var client = CreateClient();
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;

        for (var i = 0; i < 20 && limited is null; i++)
        {
            var response = await client.SendAsync(SecuredServer.Completion(LimitsFixture.Tokens, "a", 20));
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                response.Dispose();
            }
        }

        Assert.NotNull(limited);
        using (limited)
        {
            Assert.All(statuses[..^1], s => Assert.Equal(HttpStatusCode.OK, s));
            // Each request takes about 23 of the 160 tokens a minute.
            Assert.InRange(statuses.Count - 1, 4, 8);
            Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {limited.Headers.RetryAfter}");
            var error = await SecuredServer.ReadErrorAsync(limited);
            Assert.Equal("rate_limit_exceeded", error.GetProperty("code").GetString());
        }
    }

    [Fact]
    public async Task Tokens_RequestOverWholeBudget_Returns400()
    {
        using var client = CreateClient();
        // About 145 prompt tokens, within the 150-token prompt limit, plus 20 for max_tokens: over the 160 a minute.
        var prompt = string.Join(' ', Enumerable.Repeat("hello world", 72));

        using var response = await client.SendAsync(SecuredServer.Completion(LimitsFixture.Validation, prompt, 20));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await SecuredServer.ReadErrorAsync(response);
        Assert.Equal("tokens_exceed_rate_limit", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task SlowUpload_BelowMinimumRate_Returns408()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, fixture.Server.Server.BaseAddress.Port);
        using var stream = tcp.GetStream();
        var head = "POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + $"Authorization: Bearer {LimitsFixture.Slow.Secret}\r\nContent-Length: 100000\r\n\r\n{{\"model\":";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        var readTask = ReadResponseHeadAsync(stream);

        // One byte every 200 ms is 5 bytes/s, far under the 1000 bytes/s minimum; Kestrel stops waiting after its
        // 5-second grace period.
        for (var i = 0; i < 200 && !readTask.IsCompleted; i++)
        {
            try
            {
                await stream.WriteAsync(" "u8.ToArray());
            }
            catch (IOException)
            {
                break;
            }

            await Task.WhenAny(readTask, Task.Delay(200));
        }

        var responseHead = await readTask.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.StartsWith("HTTP/1.1 408", responseHead, StringComparison.Ordinal);
    }

    private static async Task<string> ReadResponseHeadAsync(NetworkStream stream)
    {
        var buffer = new byte[4096];
        var text = new StringBuilder();
        while (!text.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer);
            if (read == 0)
            {
                break;
            }

            text.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        return text.ToString();
    }
}
