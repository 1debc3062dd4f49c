using System.Text.Json;
using Gantry.Options;
using Gantry.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gantry.Tests.Security;

public sealed class AccessMiddlewareTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("gantry-access-");
    private readonly ApiKeyStore _keys;

    public AccessMiddlewareTests()
    {
        var path = Path.Combine(_directory.FullName, "keys.json");
        File.WriteAllText(path, KeyFiles.Json(
            ("infer-key", "web", "acme", ["inference"]),
            ("feedback-key", "rater", "acme", ["feedback"]),
            ("admin-key", "ops", "*", ["admin"])));
        _keys = ApiKeyStore.Open(path, NullLogger.Instance, TimeProvider.System, out _)!;
    }

    [Theory]
    [InlineData("GET", "/health", false, null)]
    [InlineData("GET", "/health/live", false, null)]
    [InlineData("GET", "/health/ready", false, null)]
    [InlineData("GET", "/healthz", true, null)]
    [InlineData("GET", "/metrics", false, "admin")]
    [InlineData("POST", "/v1/chat/completions", true, "inference")]
    [InlineData("POST", "/v1/completions", true, "inference")]
    [InlineData("GET", "/v1/models", true, "inference")]
    [InlineData("GET", "/v1/models/test-model", true, "inference")]
    [InlineData("POST", "/v1/feedback", true, "feedback")]
    [InlineData("GET", "/v1/feedback/fb-1", true, "feedback")]
    [InlineData("GET", "/v1/feedback/stats", true, "admin")]
    [InlineData("GET", "/V1/FEEDBACK/STATS", true, "admin")]
    [InlineData("GET", "/v1/unknown", true, null)]
    [InlineData("GET", "/", true, null)]
    public void RequiredScope_Route_MatchesTable(string method, string path, bool needsKey, string? scope)
    {
        var request = new DefaultHttpContext().Request;
        request.Method = method;
        request.Path = path;

        var actual = AccessMiddleware.RequiredScope(request, metricsRequireAdmin: false, out var open);

        Assert.Equal(!needsKey, open);
        Assert.Equal(scope, actual);
    }

    [Fact]
    public void RequiredScope_MetricsWithAdminRequired_IsClosed()
    {
        var request = new DefaultHttpContext().Request;
        request.Path = "/metrics";

        var scope = AccessMiddleware.RequiredScope(request, metricsRequireAdmin: true, out var open);

        Assert.False(open);
        Assert.Equal("admin", scope);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Bearer")]
    [InlineData("Bearer ")]
    [InlineData("Basic aW5mZXIta2V5")]
    [InlineData("Bearer wrong")]
    [InlineData("infer-key")]
    [InlineData("Bearer infer-key2")]
    public async Task Invoke_MissingOrWrongKey_Returns401(string? authorization)
    {
        var context = CreateContext("/v1/chat/completions", authorization);

        var reached = await InvokeAsync(context);

        Assert.False(reached);
        Assert.Equal(401, context.Response.StatusCode);
        Assert.Equal("Bearer", context.Response.Headers.WWWAuthenticate.ToString());
        var error = ReadError(context);
        Assert.Equal("invalid_api_key", error.GetProperty("code").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Invoke_TwoAuthorizationHeaders_Returns401()
    {
        var context = CreateContext("/v1/models", "Bearer infer-key");
        context.Request.Headers.Append("Authorization", "Bearer admin-key");

        var reached = await InvokeAsync(context);

        Assert.False(reached);
        Assert.Equal(401, context.Response.StatusCode);
    }

    [Theory]
    [InlineData("/v1/feedback", "infer-key", "feedback")]
    [InlineData("/v1/chat/completions", "feedback-key", "inference")]
    [InlineData("/v1/feedback/stats", "feedback-key", "admin")]
    [InlineData("/v1/models", "admin-key", "inference")]
    public async Task Invoke_KeyWithoutScope_Returns403(string path, string key, string scope)
    {
        var context = CreateContext(path, "Bearer " + key);

        var reached = await InvokeAsync(context);

        Assert.False(reached);
        Assert.Equal(403, context.Response.StatusCode);
        var error = ReadError(context);
        Assert.Equal("insufficient_scope", error.GetProperty("code").GetString());
        Assert.Contains(scope, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_KeyWithScope_SetsCaller()
    {
        var context = CreateContext("/v1/chat/completions", "bearer  infer-key ");

        var reached = await InvokeAsync(context);

        Assert.True(reached);
        var caller = context.GetCaller();
        Assert.Equal("web", caller.KeyName);
        Assert.Equal("acme", caller.Tenant);
        Assert.Equal("acme", caller.TenantFilter);
    }

    [Fact]
    public async Task Invoke_NoKeysConfigured_CallerIsAnonymous()
    {
        var context = CreateContext("/v1/feedback/stats", null);

        var reached = await InvokeAsync(context, keys: null);

        Assert.True(reached);
        Assert.Same(Caller.Anonymous, context.GetCaller());
        Assert.Null(context.GetCaller().TenantFilter);
    }

    [Fact]
    public async Task Invoke_HealthWithoutKey_PassesWithoutCaller()
    {
        var context = CreateContext("/health/ready", null);

        var reached = await InvokeAsync(context);

        Assert.True(reached);
        Assert.Same(Caller.None, context.GetCaller());
        Assert.False(Caller.None.CanSee(null));
        Assert.False(Caller.None.CanSee("acme"));
    }

    [Fact]
    public void Caller_TenantRules_FilterRecords()
    {
        var tenant = new Caller("web", "acme", new HashSet<string>());
        var all = new Caller("ops", Caller.AllTenants, new HashSet<string>());

        Assert.True(tenant.CanSee("acme"));
        Assert.False(tenant.CanSee("globex"));
        Assert.False(tenant.CanSee(null));
        Assert.True(all.CanSee("globex"));
        Assert.True(all.CanSee(null));
        Assert.True(Caller.Anonymous.CanSee("acme"));
    }

    public void Dispose()
    {
        _keys.Dispose();
        _directory.Delete(recursive: true);
    }

    private static DefaultHttpContext CreateContext(string path, string? authorization)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Path = path;
        context.Response.Body = new MemoryStream();
        if (authorization is not null)
        {
            context.Request.Headers.Authorization = authorization;
        }

        return context;
    }

    private async Task<bool> InvokeAsync(HttpContext context) => await InvokeAsync(context, _keys);

    private static async Task<bool> InvokeAsync(HttpContext context, ApiKeyStore? keys)
    {
        var reached = false;
        var middleware = new AccessMiddleware(_ =>
        {
            reached = true;
            return Task.CompletedTask;
        }, Microsoft.Extensions.Options.Options.Create(new GantryOptions()), NullLogger<AccessMiddleware>.Instance, keys);
        await middleware.InvokeAsync(context);
        return reached;
    }

    private static JsonElement ReadError(HttpContext context)
    {
        context.Response.Body.Position = 0;
        using var document = JsonDocument.Parse(context.Response.Body);
        return document.RootElement.GetProperty("error").Clone();
    }
}
