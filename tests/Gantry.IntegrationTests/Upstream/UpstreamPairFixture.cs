using System.ClientModel;
using Gantry.IntegrationTests.Infrastructure;
using OpenAI;

namespace Gantry.IntegrationTests.Upstream;

/// <summary>The model ids of <see cref="UpstreamPairFixture{TModel}"/>.</summary>
public static class UpstreamPair
{
    /// <summary>The model id the in-process server serves.</summary>
    public const string UpstreamModel = "tiny-upstream";

    /// <summary>The model id clients of the upstream-mode server send.</summary>
    public const string ClientModel = "tiny-front";

    /// <summary>An OpenAI SDK client for a server.</summary>
    public static OpenAIClient CreateOpenAIClient(GantryServer server) => new(new ApiKeyCredential("test-key"),
        new OpenAIClientOptions
        {
            Endpoint = new Uri(server.BaseAddress, "/v1"),
            NetworkTimeout = TimeSpan.FromMinutes(2),
        });
}

/// <summary>
/// Two real servers: one serving <typeparamref name="TModel"/> in-process (the upstream), and one in upstream
/// mode that forwards to it under another model id. Skips when the model file is absent.
/// </summary>
public sealed class UpstreamPairFixture<TModel> : IAsyncLifetime
    where TModel : ITestModel
{
    private const string UpstreamModel = UpstreamPair.UpstreamModel;
    private const string ClientModel = UpstreamPair.ClientModel;
    private GantryServer? _engine;
    private GantryServer? _proxy;

    /// <summary>Why the tests skip, or null when both servers run.</summary>
    public string? SkipReason { get; private set; }

    /// <summary>The server with the in-process engine.</summary>
    public GantryServer Engine => _engine ?? throw new InvalidOperationException(SkipReason);

    /// <summary>The server in upstream mode.</summary>
    public GantryServer Proxy => _proxy ?? throw new InvalidOperationException(SkipReason);

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var path = TModel.GetPath(out var skipReason);
        if (path is null)
        {
            SkipReason = skipReason;
            return;
        }

        _engine = await GantryServer.StartAsync(["--model", path, "--model-name", UpstreamModel]);
        await _engine.WaitUntilReadyAsync(UpstreamModel);
        _proxy = await GantryServer.StartAsync(["--upstream", _engine.BaseAddress.ToString(),
            "--upstream-model", UpstreamModel, "--model-name", ClientModel]);
        await _proxy.WaitUntilReadyAsync(ClientModel);
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }

        if (_engine is not null)
        {
            await _engine.DisposeAsync();
        }
    }
}
