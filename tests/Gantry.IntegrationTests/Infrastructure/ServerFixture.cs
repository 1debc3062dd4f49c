using OpenAI;
using System.ClientModel;

namespace Gantry.IntegrationTests.Infrastructure;

/// <summary>
/// One server per test class, started on a given model. When the model is not available, the fixture records
/// why and every test of the class skips with that reason.
/// </summary>
public abstract class ServerFixture : IAsyncLifetime
{
    private GantryServer? _server;

    /// <summary>The running server; only valid when <see cref="SkipReason"/> is null.</summary>
    public GantryServer Server => _server ?? throw new InvalidOperationException(SkipReason);

    /// <summary>The model id the server serves.</summary>
    public string ModelName { get; private set; } = "";

    /// <summary>Why the tests skip, or null when the server runs.</summary>
    public string? SkipReason { get; private set; }

    /// <summary>Resolves the model file, or returns null with a reason when it is not available.</summary>
    protected abstract string? GetModelPath(out string? skipReason);

    /// <summary>Extra <c>gantry serve</c> options for this fixture.</summary>
    protected virtual IEnumerable<string> Arguments => [];

    /// <summary>An OpenAI SDK client for the server.</summary>
    public OpenAIClient CreateOpenAIClient() => new(new ApiKeyCredential("test-key"), new OpenAIClientOptions
    {
        Endpoint = new Uri(Server.BaseAddress, "/v1"),
        NetworkTimeout = TimeSpan.FromMinutes(2),
    });

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var path = GetModelPath(out var skipReason);
        if (path is null)
        {
            SkipReason = skipReason;
            return;
        }

        ModelName = "test-model";
        _server = await GantryServer.StartAsync(["--model", path, "--model-name", ModelName, .. Arguments]);
        await _server.WaitUntilReadyAsync(ModelName);
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>A model the integration tests can run on.</summary>
public interface ITestModel
{
    /// <summary>The model file, or null with the reason the tests skip.</summary>
    static abstract string? GetPath(out string? skipReason);
}

/// <summary>The project's generated tiny llama with a ChatML template; always available.</summary>
public sealed class GeneratedModel : ITestModel
{
    /// <inheritdoc />
    public static string? GetPath(out string? skipReason)
    {
        skipReason = null;
        return Gantry.Testing.TestModels.GetPath(Gantry.Testing.TestModels.Tiny);
    }
}

/// <summary>The external llama-2 tiny random model without a chat template; skipped when the file is absent.</summary>
public sealed class SharedModel : ITestModel
{
    /// <inheritdoc />
    public static string? GetPath(out string? skipReason)
    {
        skipReason = File.Exists(RepositoryPaths.SharedModel)
            ? null
            : $"The external test model {RepositoryPaths.SharedModel} is absent.";
        return skipReason is null ? RepositoryPaths.SharedModel : null;
    }
}

/// <summary>A server with default settings on <typeparamref name="TModel"/>.</summary>
public class ServerFixture<TModel> : ServerFixture
    where TModel : ITestModel
{
    /// <inheritdoc />
    protected override string? GetModelPath(out string? skipReason) => TModel.GetPath(out skipReason);
}
