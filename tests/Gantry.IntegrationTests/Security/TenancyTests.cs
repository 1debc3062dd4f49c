using System.Net;
using System.Text.Json;
using Gantry.IntegrationTests.Infrastructure;

namespace Gantry.IntegrationTests.Security;

/// <summary>A server with keys of two tenants, a per-tenant admin and an admin for every tenant.</summary>
public sealed class TenancyFixture : IAsyncLifetime
{
    /// <summary>A user of tenant acme.</summary>
    public static readonly TestKey Acme = new("sk-acme", "acme-web", "acme", "inference", "feedback");

    /// <summary>A user of tenant globex.</summary>
    public static readonly TestKey Globex = new("sk-globex", "globex-web", "globex", "inference", "feedback");

    /// <summary>An admin of tenant acme.</summary>
    public static readonly TestKey AcmeAdmin = new("sk-acme-admin", "acme-admin", "acme", "admin");

    /// <summary>An admin of tenant globex.</summary>
    public static readonly TestKey GlobexAdmin = new("sk-globex-admin", "globex-admin", "globex", "admin");

    /// <summary>An admin of every tenant.</summary>
    public static readonly TestKey RootAdmin = new("sk-root", "root", "*", "admin");

    /// <summary>The running server.</summary>
    public KeyedServer Server { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync() => Server = await SecuredServer.StartAsync(
        [Acme, Globex, AcmeAdmin, GlobexAdmin, RootAdmin], ["--capture", "metadata", "--context-size", "256"]);

    /// <inheritdoc />
    public Task DisposeAsync() => Server?.DisposeAsync().AsTask() ?? Task.CompletedTask;
}

/// <summary>Each key reads and rates only its own tenant's completions, and stats count per tenant.</summary>
public sealed class TenancyTests(TenancyFixture fixture) : IClassFixture<TenancyFixture>
{
    [Fact]
    public async Task Feedback_OtherTenantsCompletion_AnswersAsMissing()
    {
        using var client = fixture.Server.Server.CreateClient();
        var completionId = await CompleteAsync(client, TenancyFixture.Acme);

        using var foreign = await PostFeedbackAsync(client, TenancyFixture.Globex, completionId);
        using var missing = await PostFeedbackAsync(client, TenancyFixture.Globex, "chatcmpl-" + new string('0', 32));
        using var own = await PostFeedbackAsync(client, TenancyFixture.Acme, completionId);

        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.Created, own.StatusCode);
        var foreignError = await SecuredServer.ReadErrorAsync(foreign);
        var missingError = await SecuredServer.ReadErrorAsync(missing);
        Assert.Equal(missingError.GetProperty("code").GetString(), foreignError.GetProperty("code").GetString());
        Assert.Equal(missingError.GetProperty("param").GetString(), foreignError.GetProperty("param").GetString());
        Assert.Equal(missingError.GetProperty("message").GetString()!.Replace("chatcmpl-" + new string('0', 32), "ID"),
            foreignError.GetProperty("message").GetString()!.Replace(completionId, "ID"));
    }

    [Fact]
    public async Task FeedbackRead_OtherTenantsEntry_AnswersAsMissing()
    {
        using var client = fixture.Server.Server.CreateClient();
        var completionId = await CompleteAsync(client, TenancyFixture.Acme);
        using var created = await PostFeedbackAsync(client, TenancyFixture.Acme, completionId);
        var feedbackId = (await Json.ReadAsync(created)).GetProperty("id").GetString()!;

        using var own = await client.SendAsync(SecuredServer.Request(HttpMethod.Get, $"/v1/feedback/{feedbackId}", TenancyFixture.Acme));
        using var foreign = await client.SendAsync(SecuredServer.Request(HttpMethod.Get, $"/v1/feedback/{feedbackId}", TenancyFixture.Globex));
        using var missing = await client.SendAsync(SecuredServer.Request(HttpMethod.Get, "/v1/feedback/fb-missing", TenancyFixture.Globex));

        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        var foreignError = await SecuredServer.ReadErrorAsync(foreign);
        var missingError = await SecuredServer.ReadErrorAsync(missing);
        Assert.Equal(missingError.GetProperty("code").GetString(), foreignError.GetProperty("code").GetString());
        Assert.Equal(missingError.GetProperty("message").GetString()!.Replace("fb-missing", "ID"),
            foreignError.GetProperty("message").GetString()!.Replace(feedbackId, "ID"));
    }

    [Fact]
    public async Task IdempotencyKey_SameKeyTwoTenants_StoresBoth()
    {
        using var client = fixture.Server.Server.CreateClient();
        var acmeCompletion = await CompleteAsync(client, TenancyFixture.Acme);
        var globexCompletion = await CompleteAsync(client, TenancyFixture.Globex);
        var key = "shared-" + Guid.NewGuid().ToString("N");

        using var acme = await PostFeedbackAsync(client, TenancyFixture.Acme, acmeCompletion, key);
        using var globex = await PostFeedbackAsync(client, TenancyFixture.Globex, globexCompletion, key);

        Assert.Equal(HttpStatusCode.Created, acme.StatusCode);
        Assert.Equal(HttpStatusCode.Created, globex.StatusCode);
        Assert.False(globex.Headers.Contains("Idempotent-Replayed"));
        Assert.NotEqual((await Json.ReadAsync(acme)).GetProperty("id").GetString(),
            (await Json.ReadAsync(globex)).GetProperty("id").GetString());
    }

    [Fact]
    public async Task Stats_CountOnlyTheCallersTenant()
    {
        using var client = fixture.Server.Server.CreateClient();
        var acmeBefore = await CountAsync(client, TenancyFixture.AcmeAdmin);
        var globexBefore = await CountAsync(client, TenancyFixture.GlobexAdmin);
        var allBefore = await CountAsync(client, TenancyFixture.RootAdmin);

        for (var i = 0; i < 3; i++)
        {
            using var response = await PostFeedbackAsync(client, TenancyFixture.Acme, await CompleteAsync(client, TenancyFixture.Acme));
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        using (var response = await PostFeedbackAsync(client, TenancyFixture.Globex, await CompleteAsync(client, TenancyFixture.Globex)))
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        Assert.Equal(acmeBefore + 3, await CountAsync(client, TenancyFixture.AcmeAdmin));
        Assert.Equal(globexBefore + 1, await CountAsync(client, TenancyFixture.GlobexAdmin));
        Assert.True(await CountAsync(client, TenancyFixture.RootAdmin) >= allBefore + 4);
    }

    private static async Task<string> CompleteAsync(HttpClient client, TestKey key)
    {
        using var response = await client.SendAsync(SecuredServer.Completion(key, "tenant test", 2));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await Json.ReadAsync(response)).GetProperty("id").GetString()!;
    }

    private static async Task<HttpResponseMessage> PostFeedbackAsync(HttpClient client, TestKey key, string completionId,
        string? idempotencyKey = null)
    {
        using var request = SecuredServer.Request(HttpMethod.Post, "/v1/feedback", key, new { completion_id = completionId, rating = "up" });
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return await client.SendAsync(request);
    }

    private static async Task<long> CountAsync(HttpClient client, TestKey admin)
    {
        using var response = await client.SendAsync(SecuredServer.Request(HttpMethod.Get, "/v1/feedback/stats?window=1d", admin));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var stats = await Json.ReadAsync(response);
        Assert.Equal(JsonValueKind.Number, stats.GetProperty("total").ValueKind);
        return stats.GetProperty("total").GetInt64();
    }
}
